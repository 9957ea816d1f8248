-- Deletes zones of a plan by id.
DELETE FROM plan_zones WHERE plan_id = $1 AND id = ANY($2)
