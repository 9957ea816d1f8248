-- Deletes the zones of some edits of a plan, before the edits are written anew.
DELETE FROM plan_edit_zones WHERE plan_id = $1 AND seq = ANY($2)
