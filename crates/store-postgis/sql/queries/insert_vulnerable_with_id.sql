-- Stores a vulnerable household under the id it has elsewhere (when migrating a store: visits
-- name households by id).
INSERT INTO vulnerable_households (id, building_id, door, category, contact)
OVERRIDING SYSTEM VALUE
VALUES ($1, $2, $3, $4, $5)
