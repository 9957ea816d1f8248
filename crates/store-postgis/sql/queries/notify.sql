-- Tells listening servers about a change; PostgreSQL delivers it only when the transaction commits.
SELECT pg_notify($1, $2)
