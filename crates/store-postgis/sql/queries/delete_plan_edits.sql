-- Deletes edits of a plan by sequence number, and with them their zones (ON DELETE CASCADE).
DELETE FROM plan_edits WHERE plan_id = $1 AND seq = ANY($2)
