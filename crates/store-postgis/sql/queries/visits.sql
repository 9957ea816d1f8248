-- Visits by chief $1 (anyone when NULL) at or after $2 (ever when NULL), oldest first.
SELECT id, target_kind, target_id, chief_id, at_ms, visited_by, note, households_seen
FROM visits
WHERE ($1::bigint IS NULL OR chief_id = $1) AND ($2::bigint IS NULL OR at_ms >= $2)
ORDER BY at_ms, id
