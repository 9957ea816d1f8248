-- Stores a visit under the id it has elsewhere (when migrating a store).
INSERT INTO visits (id, target_kind, target_id, chief_id, at_ms, visited_by, note, households_seen)
OVERRIDING SYSTEM VALUE
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
