-- Marks an edit of a plan undone or redone, with the version that did it.
UPDATE plan_edits SET undone = $3, version = $4 WHERE plan_id = $1 AND seq = $2
