-- Stores a plan's row under the id it has elsewhere (when migrating a store).
INSERT INTO plans (id, name, status, version, based_on, created_by, created_at_ms, published_by, published_at_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
