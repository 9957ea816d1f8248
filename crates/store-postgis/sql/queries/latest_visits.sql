-- The latest visit of each target (the later id wins a tie in time).
SELECT DISTINCT ON (target_kind, target_id)
  id, target_kind, target_id, chief_id, at_ms, visited_by, note, households_seen
FROM visits
ORDER BY target_kind, target_id, at_ms DESC, id DESC
