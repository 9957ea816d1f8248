-- The locked zone ids of a plan, ascending.
SELECT zone_id FROM plan_locks WHERE plan_id = $1 ORDER BY zone_id
