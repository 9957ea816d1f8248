-- Stores a new plan's row and returns the id it was given.
INSERT INTO plans (name, status, version, based_on, created_by, created_at_ms, published_by, published_at_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
