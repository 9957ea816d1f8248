-- Schema version 8 (after 007, problems): visit targets and visits (走访). The layout is the
-- GeoPackage backend's (schema 9) table for table.
--
-- A key site (重点场所) is a compound or a building, exactly one of the two, with a reason. A
-- vulnerable household (重点户) is a door in a building, with a category and an optional contact
-- (personal data). Both go with their compound or building: the foreign keys delete them in the
-- same transaction as the place (a cascading action is never deferred).
CREATE TABLE key_sites (
  id bigint PRIMARY KEY,
  compound_id bigint UNIQUE REFERENCES compounds(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  building_id bigint UNIQUE REFERENCES buildings(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  reason text NOT NULL,
  CHECK ((compound_id IS NULL) <> (building_id IS NULL))
);
-- An identity never gives an id again, so a new household never inherits the visits of one taken
-- off the list.
CREATE TABLE vulnerable_households (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  building_id bigint NOT NULL REFERENCES buildings(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  door text NOT NULL CHECK (length(door) > 0),
  category text NOT NULL CHECK (category IN ('elderly_alone', 'disabled', 'low_income',
    'left_behind_children', 'other')),
  contact text,
  UNIQUE (building_id, door)
);

-- Visits are a log, kept forever like inspections. They name their target by kind and id and
-- their chief by id without foreign keys, so that a visit outlives a target taken off the list or
-- a chief who left the roster; the store checks both exist when a visit is recorded.
CREATE TABLE visits (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  target_kind text NOT NULL CHECK (target_kind IN ('key_compound', 'key_building', 'household',
    'building')),
  target_id bigint NOT NULL,
  chief_id bigint NOT NULL,
  at_ms bigint NOT NULL,
  visited_by text NOT NULL,
  note text NOT NULL DEFAULT '',
  households_seen bigint CHECK (households_seen >= 0)
);
CREATE INDEX visits_target ON visits (target_kind, target_id, at_ms, id);
CREATE INDEX visits_chief ON visits (chief_id, at_ms, id);
CREATE INDEX visits_at ON visits (at_ms, id);

CREATE FUNCTION visits_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'visits cannot be edited or deleted (%), they are kept forever', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER visits_no_change BEFORE UPDATE OR DELETE ON visits
  FOR EACH ROW EXECUTE FUNCTION visits_append_only();
CREATE TRIGGER visits_no_truncate BEFORE TRUNCATE ON visits
  FOR EACH STATEMENT EXECUTE FUNCTION visits_append_only();
