-- Replaces a plan's row.
UPDATE plans SET name = $2, status = $3, version = $4, based_on = $5, created_by = $6,
  created_at_ms = $7, published_by = $8, published_at_ms = $9
WHERE id = $1
