-- Schema version 3: inspections of compounds, kept forever like tier history.
--
-- Findings are columns, two per topic, so that GDAL and QGIS users can filter on them
-- (`fire_safety_ok = 0`): `<topic>_ok` is 1 (in order), 0 (a problem) or NULL (not looked at),
-- and `<topic>_note` is what was seen.

CREATE TABLE inspections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  compound_id INTEGER NOT NULL REFERENCES compounds(id) DEFERRABLE INITIALLY DEFERRED,
  inspector TEXT NOT NULL,
  role TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  rentals_ok INTEGER CHECK (rentals_ok IN (0, 1)),
  rentals_note TEXT,
  sanitation_ok INTEGER CHECK (sanitation_ok IN (0, 1)),
  sanitation_note TEXT,
  public_order_ok INTEGER CHECK (public_order_ok IN (0, 1)),
  public_order_note TEXT,
  fire_safety_ok INTEGER CHECK (fire_safety_ok IN (0, 1)),
  fire_safety_note TEXT,
  epidemic_ok INTEGER CHECK (epidemic_ok IN (0, 1)),
  epidemic_note TEXT,
  suggested_tier TEXT,
  -- The data version that recorded the inspection.
  version INTEGER NOT NULL
);
CREATE INDEX inspections_compound ON inspections(compound_id, at_ms);
CREATE INDEX inspections_at ON inspections(at_ms);

-- Inspections are kept forever: rows can be added, never changed or removed.
CREATE TRIGGER inspections_no_update BEFORE UPDATE ON inspections
BEGIN
  SELECT RAISE(ABORT, 'inspections cannot be edited');
END;
CREATE TRIGGER inspections_no_delete BEFORE DELETE ON inspections
BEGIN
  SELECT RAISE(ABORT, 'inspections cannot be deleted');
END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('inspections', 'attributes', 'inspections', 'Inspections of compounds: who, when, findings per topic (rentals, sanitation, public order, fire safety, epidemic control)', NULL);
