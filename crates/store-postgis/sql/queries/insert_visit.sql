-- Appends one visit and returns the id it was given.
INSERT INTO visits (target_kind, target_id, chief_id, at_ms, visited_by, note, households_seen)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
