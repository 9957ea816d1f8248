-- A compound's tier changes, oldest first.
SELECT id, compound_id, from_tier, to_tier, reason, changed_by, at_ms FROM tier_changes
WHERE compound_id = $1
ORDER BY at_ms, id
