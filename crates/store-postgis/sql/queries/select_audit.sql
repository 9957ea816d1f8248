-- The audit entries passing a filter, by id ({order}: ASC or DESC); a NULL parameter does not
-- filter: $1 at or after (ms), $2 before (ms), $3 actor, $4 action, $5 target prefix (plain text,
-- not a pattern), $6 id below, $7 id above; at most $8 entries.
SELECT id, at_ms, actor, action, target, summary, before::text, after::text
FROM wangge_audit
WHERE ($1::bigint IS NULL OR at_ms >= $1)
  AND ($2::bigint IS NULL OR at_ms < $2)
  AND ($3::text IS NULL OR actor = $3)
  AND ($4::text IS NULL OR action = $4)
  AND ($5::text IS NULL OR left(target, length($5)) = $5)
  AND ($6::bigint IS NULL OR id < $6)
  AND ($7::bigint IS NULL OR id > $7)
ORDER BY id {order}
LIMIT $8
