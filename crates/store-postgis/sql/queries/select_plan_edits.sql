-- Every edit of a plan, by sequence number (its zones come from select_plan_edit_zones.sql).
SELECT seq, op, summary, edited_by, at_ms, locked_before, locked_after, undone, version
FROM plan_edits
WHERE plan_id = $1
ORDER BY seq
