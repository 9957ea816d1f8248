-- The id and fingerprint of every zone of a plan.
SELECT id, digest FROM plan_zones WHERE plan_id = $1
