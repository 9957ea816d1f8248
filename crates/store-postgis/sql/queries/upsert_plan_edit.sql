-- Writes an edit of a plan whether or not it exists yet, with its fingerprint.
INSERT INTO plan_edits (plan_id, seq, op, summary, edited_by, at_ms, locked_before, locked_after, undone, version, digest)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (plan_id, seq) DO UPDATE SET
  op = EXCLUDED.op, summary = EXCLUDED.summary, edited_by = EXCLUDED.edited_by,
  at_ms = EXCLUDED.at_ms, locked_before = EXCLUDED.locked_before,
  locked_after = EXCLUDED.locked_after, undone = EXCLUDED.undone, version = EXCLUDED.version,
  digest = EXCLUDED.digest
