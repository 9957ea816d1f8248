-- One plan's row.
SELECT id, name, status, version, based_on, created_by, created_at_ms, published_by, published_at_ms
FROM plans
WHERE id = $1
