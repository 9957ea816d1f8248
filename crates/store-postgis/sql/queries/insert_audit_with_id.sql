-- Stores an audit entry under the id it has elsewhere (when migrating a store): $1 id, then as
-- insert_audit.sql.
INSERT INTO wangge_audit (id, at_ms, actor, action, target, summary, before, after)
OVERRIDING SYSTEM VALUE
VALUES ($1, $2, $3, $4, $5, $6, CAST($7::text AS jsonb), CAST($8::text AS jsonb))
