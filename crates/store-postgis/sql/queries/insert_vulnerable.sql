-- A new vulnerable household; returns the id it was given.
INSERT INTO vulnerable_households (building_id, door, category, contact) VALUES ($1, $2, $3, $4)
RETURNING id
