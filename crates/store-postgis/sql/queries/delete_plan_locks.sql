-- Unlocks zones of a plan.
DELETE FROM plan_locks WHERE plan_id = $1 AND zone_id = ANY($2)
