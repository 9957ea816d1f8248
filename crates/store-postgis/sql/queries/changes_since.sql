-- The changes after a data version, oldest first, with their time in milliseconds since the epoch.
SELECT version, (extract(epoch FROM at) * 1000)::bigint, layers, min_x, min_y, max_x, max_y
FROM wangge_changes
WHERE version > $1
ORDER BY version
