-- Appends one audit entry: $1 at_ms, $2 actor, $3 action, $4 target, $5 summary, $6 before and
-- $7 after as JSON text (NULL when there is none).
INSERT INTO wangge_audit (at_ms, actor, action, target, summary, before, after)
VALUES ($1, $2, $3, $4, $5, CAST($6::text AS jsonb), CAST($7::text AS jsonb))
