-- Schema version 10 (schema 11 of the GeoPackage): the audit log (审计日志). The layout is the
-- GeoPackage backend's, with before and after as jsonb.
--
-- Every change — an import, a plan edit, a publish, an assignment, a tier change, an inspection,
-- a problem step, a sign-in — is recorded as who (`actor`), when (`at_ms`, UTC milliseconds),
-- what (`action`, `target`, `summary`) and the record before and after (NULL when there is none).
-- Entries are written in the same transaction as the change they describe, under this table's
-- lock (see lock_audit.sql), so ids follow the order in which those transactions commit. The log
-- is append-only: the triggers below refuse any UPDATE, DELETE or TRUNCATE.
CREATE TABLE wangge_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_ms bigint NOT NULL,
  actor text NOT NULL CHECK (length(actor) > 0),
  -- An AuditAction key (import, tier, sign_in …); not a closed CHECK, so that a new action needs
  -- no migration.
  action text NOT NULL CHECK (length(action) > 0),
  target text NOT NULL,
  summary text NOT NULL DEFAULT '',
  before jsonb,
  after jsonb
);
CREATE INDEX wangge_audit_at ON wangge_audit (at_ms, id);
CREATE INDEX wangge_audit_actor ON wangge_audit (actor, id);
CREATE INDEX wangge_audit_target ON wangge_audit (target text_pattern_ops, id);

CREATE FUNCTION wangge_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: its entries cannot be edited or deleted (%)', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER wangge_audit_no_change BEFORE UPDATE OR DELETE ON wangge_audit
  FOR EACH ROW EXECUTE FUNCTION wangge_audit_append_only();
CREATE TRIGGER wangge_audit_no_truncate BEFORE TRUNCATE ON wangge_audit
  FOR EACH STATEMENT EXECUTE FUNCTION wangge_audit_append_only();

COMMENT ON TABLE wangge_audit IS 'The audit log: who changed what, when, with the record before and after; append-only';
