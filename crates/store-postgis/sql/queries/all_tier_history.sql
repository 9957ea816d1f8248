-- Every compound's tier changes, by compound and then oldest first (for migration checks).
SELECT id, compound_id, from_tier, to_tier, reason, changed_by, at_ms FROM tier_changes
ORDER BY compound_id, at_ms, id
