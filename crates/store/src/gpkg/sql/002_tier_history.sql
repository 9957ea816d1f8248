-- Schema version 2: the history of every compound's tier, and the data's attribution.

CREATE TABLE tier_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  compound_id INTEGER NOT NULL REFERENCES compounds(id) DEFERRABLE INITIALLY DEFERRED,
  from_tier TEXT NOT NULL,
  to_tier TEXT NOT NULL,
  reason TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  -- The data version that the change produced.
  version INTEGER NOT NULL
);
CREATE INDEX tier_changes_compound ON tier_changes(compound_id, at_ms);

-- Tier history is kept forever: rows can be added, never changed or removed.
CREATE TRIGGER tier_changes_no_update BEFORE UPDATE ON tier_changes
BEGIN
  SELECT RAISE(ABORT, 'tier history cannot be edited');
END;
CREATE TRIGGER tier_changes_no_delete BEFORE DELETE ON tier_changes
BEGIN
  SELECT RAISE(ABORT, 'tier history cannot be deleted');
END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('tier_changes', 'attributes', 'tier_changes', 'Every change of a compound''s colour tier, with reason, author and time', NULL);

-- Credits the data requires wherever it is shown, one per line.
INSERT INTO wangge_meta VALUES ('attribution', '');
