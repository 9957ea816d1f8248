-- The inspections of compound $1, or of every compound when $1 is NULL, oldest first.
SELECT id, compound_id, inspector, role, at_ms,
  rentals_ok, rentals_note, sanitation_ok, sanitation_note, public_order_ok, public_order_note,
  fire_safety_ok, fire_safety_note, epidemic_ok, epidemic_note, suggested_tier
FROM inspections
WHERE $1::bigint IS NULL OR compound_id = $1::bigint
ORDER BY at_ms, id
