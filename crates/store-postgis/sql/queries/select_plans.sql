-- Every plan, newest first (by id), without zones or history.
SELECT id, name, status, version, based_on, created_by, created_at_ms, published_by, published_at_ms
FROM plans
ORDER BY id DESC
