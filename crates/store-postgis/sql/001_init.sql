-- Schema version 1: wangge's layers in PostGIS, in the schema named by the store's options (the
-- migration sets `search_path` to it, so no name here is qualified).
-- The layout follows the GeoPackage backend table for table, so both behave alike. References
-- between rows are DEFERRABLE INITIALLY DEFERRED foreign keys: a change set may write a building
-- before its compound, and the check happens at commit.
-- Geometries are EPSG:4326 longitude/latitude; each spatial table also keeps its exact 64-bit
-- envelope in generated columns, because the GiST index holds 32-bit boxes rounded outwards and
-- box queries must match the GeoPackage backend's exact envelopes.

CREATE TABLE zone_levels (
  -- The level's place in the hierarchy, 1 being the top.
  position integer PRIMARY KEY,
  key text NOT NULL UNIQUE,
  name_zh text NOT NULL,
  name_en text NOT NULL,
  code_digits smallint NOT NULL
);

CREATE TABLE zones (
  id bigint PRIMARY KEY,
  code text NOT NULL,
  name text NOT NULL,
  level text NOT NULL REFERENCES zone_levels(key) DEFERRABLE INITIALLY DEFERRED,
  parent_id bigint REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
  households bigint NOT NULL DEFAULT 0,
  population bigint NOT NULL DEFAULT 0,
  buildings bigint NOT NULL DEFAULT 0,
  compounds bigint NOT NULL DEFAULT 0,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  min_x double precision GENERATED ALWAYS AS (ST_XMin(geom::box3d)) STORED,
  min_y double precision GENERATED ALWAYS AS (ST_YMin(geom::box3d)) STORED,
  max_x double precision GENERATED ALWAYS AS (ST_XMax(geom::box3d)) STORED,
  max_y double precision GENERATED ALWAYS AS (ST_YMax(geom::box3d)) STORED
);
CREATE INDEX zones_geom ON zones USING gist (geom);
CREATE INDEX zones_code ON zones (code);
CREATE INDEX zones_parent ON zones (parent_id);
CREATE INDEX zones_level ON zones (level);

CREATE TABLE compounds (
  id bigint PRIMARY KEY,
  code text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL,
  management text NOT NULL,
  tier text NOT NULL,
  stars smallint,
  source_id text,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  min_x double precision GENERATED ALWAYS AS (ST_XMin(geom::box3d)) STORED,
  min_y double precision GENERATED ALWAYS AS (ST_YMin(geom::box3d)) STORED,
  max_x double precision GENERATED ALWAYS AS (ST_XMax(geom::box3d)) STORED,
  max_y double precision GENERATED ALWAYS AS (ST_YMax(geom::box3d)) STORED
);
CREATE INDEX compounds_geom ON compounds USING gist (geom);
CREATE INDEX compounds_code ON compounds (code);

CREATE TABLE buildings (
  id bigint PRIMARY KEY,
  source_id text,
  name text,
  address text,
  compound_id bigint REFERENCES compounds(id) DEFERRABLE INITIALLY DEFERRED,
  floors integer NOT NULL,
  units integer NOT NULL,
  households bigint NOT NULL,
  population bigint NOT NULL,
  height_m double precision,
  estimated boolean NOT NULL,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  min_x double precision GENERATED ALWAYS AS (ST_XMin(geom::box3d)) STORED,
  min_y double precision GENERATED ALWAYS AS (ST_YMin(geom::box3d)) STORED,
  max_x double precision GENERATED ALWAYS AS (ST_XMax(geom::box3d)) STORED,
  max_y double precision GENERATED ALWAYS AS (ST_YMax(geom::box3d)) STORED
);
CREATE INDEX buildings_geom ON buildings USING gist (geom);
CREATE INDEX buildings_compound ON buildings (compound_id);
CREATE INDEX buildings_source ON buildings (source_id);

CREATE TABLE streets (
  id bigint PRIMARY KEY,
  source_id text,
  name text,
  class text NOT NULL,
  geom geometry(LineString, 4326) NOT NULL,
  min_x double precision GENERATED ALWAYS AS (ST_XMin(geom::box3d)) STORED,
  min_y double precision GENERATED ALWAYS AS (ST_YMin(geom::box3d)) STORED,
  max_x double precision GENERATED ALWAYS AS (ST_XMax(geom::box3d)) STORED,
  max_y double precision GENERATED ALWAYS AS (ST_YMax(geom::box3d)) STORED
);
CREATE INDEX streets_geom ON streets USING gist (geom);

CREATE TABLE chiefs (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL,
  phone text NOT NULL,
  community_id bigint REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
  level text
);
CREATE INDEX chiefs_community ON chiefs (community_id);

-- Key/value facts about the store itself: schema_version, data_version, attribution (one credit
-- per line, as the GeoPackage backend keeps it).
CREATE TABLE wangge_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO wangge_meta VALUES ('schema_version', '1'), ('data_version', '0'), ('attribution', '');

-- One row per applied change: the data version it produced, when, the layers and the box it
-- touched. Tile caches invalidate by this box; other servers catch up by reading it.
CREATE TABLE wangge_changes (
  version bigint PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  layers text[] NOT NULL,
  min_x double precision,
  min_y double precision,
  max_x double precision,
  max_y double precision
);

-- The history of every compound's tier: why, by whom, when, and the data version it produced.
CREATE TABLE tier_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  compound_id bigint NOT NULL REFERENCES compounds(id) DEFERRABLE INITIALLY DEFERRED,
  from_tier text NOT NULL,
  to_tier text NOT NULL,
  reason text NOT NULL,
  changed_by text NOT NULL,
  at_ms bigint NOT NULL,
  version bigint NOT NULL
);
CREATE INDEX tier_changes_compound ON tier_changes (compound_id, at_ms, id);

-- Tier history is kept forever: rows can be added, never changed or removed.
CREATE FUNCTION tier_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'tier history cannot be edited or deleted (%), it is kept forever', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER tier_changes_no_change BEFORE UPDATE OR DELETE ON tier_changes
  FOR EACH ROW EXECUTE FUNCTION tier_changes_append_only();
CREATE TRIGGER tier_changes_no_truncate BEFORE TRUNCATE ON tier_changes
  FOR EACH STATEMENT EXECUTE FUNCTION tier_changes_append_only();

COMMENT ON TABLE zones IS 'Zones of every level: district, sub-district, community, grids (网格)';
COMMENT ON TABLE compounds IS 'Residential compounds (小区) with colour tier';
COMMENT ON TABLE buildings IS 'Buildings (楼栋) with households';
COMMENT ON TABLE streets IS 'Street segments (街巷)';
COMMENT ON TABLE chiefs IS 'Street chiefs (小巷管家 / 街长)';
COMMENT ON TABLE zone_levels IS 'The configured zone levels, top first';
COMMENT ON TABLE wangge_meta IS 'Schema and data versions of this wangge store';
COMMENT ON TABLE wangge_changes IS 'Applied changes and the area each touched';
COMMENT ON TABLE tier_changes IS 'Every change of a compound''s colour tier, with reason, author and time';
