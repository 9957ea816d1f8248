-- The inspections of compound $1, or of every compound when $1 is NULL, oldest first, each with
-- its photo's type, size and digest (NULL without one) but not its bytes.
SELECT i.id, i.compound_id, i.inspector, i.role, i.at_ms,
  i.rentals_ok, i.rentals_note, i.sanitation_ok, i.sanitation_note, i.public_order_ok,
  i.public_order_note, i.fire_safety_ok, i.fire_safety_note, i.epidemic_ok, i.epidemic_note,
  i.suggested_tier, p.mime, p.size, p.sha256
FROM inspections i
LEFT JOIN inspection_photos p ON p.inspection_id = i.id
WHERE $1::bigint IS NULL OR i.compound_id = $1::bigint
ORDER BY i.at_ms, i.id
