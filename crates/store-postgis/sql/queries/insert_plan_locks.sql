-- Locks zones of a plan.
INSERT INTO plan_locks (plan_id, zone_id) SELECT $1, unnest($2::bigint[])
