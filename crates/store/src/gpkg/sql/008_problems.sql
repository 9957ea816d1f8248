-- Problems (问题 / 事件) and the steps of their handling.
--
-- Numbered 008 because street partners' migration is 007; without it this file is the seventh
-- migration and the schema version is 7 (see MIGRATIONS in gpkg/mod.rs).
--
-- Problems are not geography: attribute tables, not GeoPackage feature tables, and no data
-- version. The routing (compound, building, street, chief, zone codes) records who answered for
-- the place when the problem was reported; it has no foreign keys, so that a building or chief
-- removed later does not rewrite or block the history. Steps are kept forever.

CREATE TABLE problems (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  address TEXT,
  category TEXT NOT NULL,
  description TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('patrol', 'hotline', 'web')),
  -- The 12345 work order number (工单编号), unique.
  order_no TEXT UNIQUE,
  reported_at_ms INTEGER NOT NULL,
  reporter TEXT NOT NULL,
  compound_id INTEGER,
  building_id INTEGER,
  street_id INTEGER,
  chief_id INTEGER,
  grid_code TEXT,
  community_code TEXT,
  subdistrict_code TEXT,
  state TEXT NOT NULL CHECK (state IN ('reported', 'accepted', 'in_progress', 'resolved', 'closed')),
  level TEXT NOT NULL CHECK (level IN ('chief', 'grid', 'community', 'subdistrict')),
  deadline_ms INTEGER NOT NULL
);
CREATE INDEX problems_state ON problems(state, deadline_ms);
CREATE INDEX problems_zone ON problems(coalesce(grid_code, community_code, subdistrict_code));
CREATE INDEX problems_chief ON problems(chief_id);
CREATE INDEX problems_reported ON problems(reported_at_ms);
CREATE INDEX problems_compound ON problems(compound_id);

CREATE TABLE problem_steps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  problem_id INTEGER NOT NULL REFERENCES problems(id) DEFERRABLE INITIALLY DEFERRED,
  at_ms INTEGER NOT NULL,
  by_name TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('report', 'accept', 'start', 'resolve', 'close', 'escalate', 'reopen')),
  from_state TEXT,
  to_state TEXT NOT NULL,
  from_level TEXT,
  to_level TEXT NOT NULL,
  deadline_ms INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX problem_steps_problem ON problem_steps(problem_id, id);

-- Steps are kept forever: rows can be added, never changed or removed.
CREATE TRIGGER problem_steps_no_update BEFORE UPDATE ON problem_steps
BEGIN
  SELECT RAISE(ABORT, 'problem steps cannot be edited');
END;
CREATE TRIGGER problem_steps_no_delete BEFORE DELETE ON problem_steps
BEGIN
  SELECT RAISE(ABORT, 'problem steps cannot be deleted');
END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('problems', 'attributes', 'problems', 'Problems reported at a place (patrol, 12345 hotline, web), routed to a street chief and escalated by level', NULL),
  ('problem_steps', 'attributes', 'problem_steps', 'Steps of each problem''s handling: who did what, when', NULL);
