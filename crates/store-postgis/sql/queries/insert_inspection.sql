-- Appends one inspection, with the data version that records it, and returns the id it was given.
INSERT INTO inspections (compound_id, inspector, role, at_ms,
  rentals_ok, rentals_note, sanitation_ok, sanitation_note, public_order_ok, public_order_note,
  fire_safety_ok, fire_safety_note, epidemic_ok, epidemic_note, suggested_tier, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING id
