-- After plans were stored under given ids: new plans are numbered after the largest.
SELECT setval(pg_get_serial_sequence('plans', 'id'), (SELECT max(id) FROM plans))
WHERE EXISTS (SELECT 1 FROM plans)
