-- Schema version 9 (after 008, problems): visit targets and visits (走访).
--
-- Not GeoPackage feature tables: a key site and a vulnerable household stand at a compound or a
-- building, whose geometry is already in the layers.
--
-- A key site (重点场所) is a compound or a building, exactly one of the two, with a reason. A
-- vulnerable household (重点户) is a door in a building, with a category and an optional contact
-- (personal data). Both go with their compound or building: the foreign keys delete them in the
-- same transaction as the place (ON DELETE CASCADE acts at once, even on a deferred key).
CREATE TABLE key_sites (
  id INTEGER PRIMARY KEY,
  compound_id INTEGER UNIQUE REFERENCES compounds(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  building_id INTEGER UNIQUE REFERENCES buildings(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  reason TEXT NOT NULL,
  CHECK ((compound_id IS NULL) <> (building_id IS NULL))
);
-- AUTOINCREMENT: an id is never given again, so a new household never inherits the visits of
-- one taken off the list.
CREATE TABLE vulnerable_households (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  building_id INTEGER NOT NULL REFERENCES buildings(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  door TEXT NOT NULL CHECK (length(door) > 0),
  category TEXT NOT NULL CHECK (category IN ('elderly_alone', 'disabled', 'low_income',
    'left_behind_children', 'other')),
  contact TEXT,
  UNIQUE (building_id, door)
);

-- Visits are a log, kept forever like inspections. They name their target by kind and id and
-- their chief by id without foreign keys, so that a visit outlives a target taken off the list or
-- a chief who left the roster; the store checks both exist when a visit is recorded.
-- `target_kind`: key_compound (a compound id), key_building, building (building ids), household (a
-- vulnerable household id).
CREATE TABLE visits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('key_compound', 'key_building', 'household',
    'building')),
  target_id INTEGER NOT NULL,
  chief_id INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  visited_by TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  households_seen INTEGER CHECK (households_seen >= 0)
);
CREATE INDEX visits_target ON visits(target_kind, target_id, at_ms);
CREATE INDEX visits_chief ON visits(chief_id, at_ms);
CREATE INDEX visits_at ON visits(at_ms);
CREATE TRIGGER visits_no_update BEFORE UPDATE ON visits
BEGIN
  SELECT RAISE(ABORT, 'visits cannot be edited');
END;
CREATE TRIGGER visits_no_delete BEFORE DELETE ON visits
BEGIN
  SELECT RAISE(ABORT, 'visits cannot be deleted');
END;
