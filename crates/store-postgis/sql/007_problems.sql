-- Problems (问题 / 事件) and the steps of their handling. The layout is the GeoPackage backend's
-- (its 008) table for table.
--
-- Numbered 007 after street partners' 006; without it this file is the sixth migration and the
-- schema version is 6 (see MIGRATIONS in src/migrate.rs).
--
-- The routing records who answered for the place when the problem was reported; it has no
-- foreign keys, so that a building or chief removed later neither rewrites nor blocks the
-- history. Steps are kept forever.
CREATE TABLE problems (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  address text,
  category text NOT NULL,
  description text NOT NULL,
  source text NOT NULL CHECK (source IN ('patrol', 'hotline', 'web')),
  -- The 12345 work order number (工单编号), unique.
  order_no text UNIQUE,
  reported_at_ms bigint NOT NULL,
  reporter text NOT NULL,
  compound_id bigint,
  building_id bigint,
  street_id bigint,
  chief_id bigint,
  grid_code text,
  community_code text,
  subdistrict_code text,
  state text NOT NULL CHECK (state IN ('reported', 'accepted', 'in_progress', 'resolved', 'closed')),
  level text NOT NULL CHECK (level IN ('chief', 'grid', 'community', 'subdistrict')),
  deadline_ms bigint NOT NULL,
  -- The point, for GIS clients and spatial queries.
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED
);
CREATE INDEX problems_state ON problems (state, deadline_ms);
CREATE INDEX problems_zone ON problems ((coalesce(grid_code, community_code, subdistrict_code)) text_pattern_ops);
CREATE INDEX problems_chief ON problems (chief_id);
CREATE INDEX problems_reported ON problems (reported_at_ms);
CREATE INDEX problems_compound ON problems (compound_id);
CREATE INDEX problems_geom ON problems USING gist (geom);

CREATE TABLE problem_steps (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  problem_id bigint NOT NULL REFERENCES problems(id) DEFERRABLE INITIALLY DEFERRED,
  at_ms bigint NOT NULL,
  by_name text NOT NULL,
  action text NOT NULL CHECK (action IN ('report', 'accept', 'start', 'resolve', 'close', 'escalate', 'reopen')),
  from_state text,
  to_state text NOT NULL,
  from_level text,
  to_level text NOT NULL,
  deadline_ms bigint NOT NULL,
  note text NOT NULL DEFAULT ''
);
CREATE INDEX problem_steps_problem ON problem_steps (problem_id, id);

-- Steps are kept forever: rows can be added, never changed or removed.
CREATE FUNCTION problem_steps_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'problem steps cannot be edited or deleted (%), they are kept forever', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER problem_steps_no_change BEFORE UPDATE OR DELETE ON problem_steps
  FOR EACH ROW EXECUTE FUNCTION problem_steps_append_only();
CREATE TRIGGER problem_steps_no_truncate BEFORE TRUNCATE ON problem_steps
  FOR EACH STATEMENT EXECUTE FUNCTION problem_steps_append_only();

COMMENT ON TABLE problems IS 'Problems reported at a place (patrol, 12345 hotline, web), routed to a street chief and escalated by level';
COMMENT ON TABLE problem_steps IS 'Steps of each problem''s handling: who did what, when';
