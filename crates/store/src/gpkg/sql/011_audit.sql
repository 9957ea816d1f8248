-- Schema version 11: the audit log (审计日志).
--
-- Every change — an import, a plan edit, a publish, an assignment, a tier change, an inspection,
-- a problem step, a sign-in — is recorded here as who (`actor`), when (`at_ms`, UTC milliseconds),
-- what (`action`, `target`, `summary`) and the record before and after (JSON text, NULL when
-- there is none). Entries are written in the same transaction as the change they describe, and
-- the log is append-only: the triggers below refuse any UPDATE or DELETE, so an entry can be
-- added and read, never edited or removed. Ids are given in the order entries were written
-- (AUTOINCREMENT: never given twice).
CREATE TABLE wangge_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL CHECK (length(actor) > 0),
  -- An AuditAction key (import, tier, sign_in …); not a closed CHECK, so that a new action needs
  -- no migration.
  action TEXT NOT NULL CHECK (length(action) > 0),
  target TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  before TEXT CHECK (before IS NULL OR json_valid(before)),
  after TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX wangge_audit_at ON wangge_audit(at_ms);
CREATE INDEX wangge_audit_actor ON wangge_audit(actor);
CREATE INDEX wangge_audit_target ON wangge_audit(target);

CREATE TRIGGER wangge_audit_no_update BEFORE UPDATE ON wangge_audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be edited');
END;
CREATE TRIGGER wangge_audit_no_delete BEFORE DELETE ON wangge_audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be deleted');
END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('wangge_audit', 'attributes', 'wangge_audit', 'The audit log: who changed what, when, with the record before and after; append-only', NULL);
