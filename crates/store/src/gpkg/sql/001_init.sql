-- Schema version 1: a GeoPackage 1.3 with wangge's layers.
-- References between rows are deferred foreign keys: a change set may write a building before its
-- compound, and the check happens at commit.
-- Geometry columns hold GeoPackage binary (the "GP" header, then WKB) in EPSG:4326.

CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);

INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326,
   'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid (equal to CGCS2000 at this precision)');

CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);

CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);

CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);

CREATE TABLE zones (
  id INTEGER PRIMARY KEY NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  level TEXT NOT NULL REFERENCES zone_levels(key) DEFERRABLE INITIALLY DEFERRED,
  parent_id INTEGER REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
  households INTEGER NOT NULL DEFAULT 0,
  population INTEGER NOT NULL DEFAULT 0,
  buildings INTEGER NOT NULL DEFAULT 0,
  compounds INTEGER NOT NULL DEFAULT 0,
  geom MULTIPOLYGON NOT NULL
);
CREATE INDEX zones_code ON zones(code);
CREATE INDEX zones_parent ON zones(parent_id);

CREATE TABLE compounds (
  id INTEGER PRIMARY KEY NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  management TEXT NOT NULL,
  tier TEXT NOT NULL,
  stars INTEGER,
  source_id TEXT,
  geom MULTIPOLYGON NOT NULL
);
CREATE INDEX compounds_code ON compounds(code);

CREATE TABLE buildings (
  id INTEGER PRIMARY KEY NOT NULL,
  source_id TEXT,
  name TEXT,
  address TEXT,
  compound_id INTEGER REFERENCES compounds(id) DEFERRABLE INITIALLY DEFERRED,
  floors INTEGER NOT NULL,
  units INTEGER NOT NULL,
  households INTEGER NOT NULL,
  population INTEGER NOT NULL,
  height_m REAL,
  estimated INTEGER NOT NULL,
  geom MULTIPOLYGON NOT NULL
);
CREATE INDEX buildings_compound ON buildings(compound_id);
CREATE INDEX buildings_source ON buildings(source_id);

CREATE TABLE streets (
  id INTEGER PRIMARY KEY NOT NULL,
  source_id TEXT,
  name TEXT,
  class TEXT NOT NULL,
  geom LINESTRING NOT NULL
);

CREATE TABLE chiefs (
  id INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  phone TEXT NOT NULL,
  community_id INTEGER REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
  level TEXT
);

CREATE TABLE zone_levels (
  id INTEGER PRIMARY KEY NOT NULL,
  key TEXT NOT NULL UNIQUE,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  code_digits INTEGER NOT NULL
);

-- Key/value facts about the store itself: schema_version, data_version.
CREATE TABLE wangge_meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
INSERT INTO wangge_meta VALUES ('schema_version', '1'), ('data_version', '0');

-- One row per applied change: the data version it produced, when, and the box it touched.
-- Tile caches invalidate by this box; other servers catch up by reading it.
CREATE TABLE wangge_changes (
  version INTEGER PRIMARY KEY NOT NULL,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  layers TEXT NOT NULL,
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE
);

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('zones', 'features', 'zones', 'Zones of every level: district, sub-district, community, grids (网格)', 4326),
  ('compounds', 'features', 'compounds', 'Residential compounds (小区) with colour tier', 4326),
  ('buildings', 'features', 'buildings', 'Buildings (楼栋) with households', 4326),
  ('streets', 'features', 'streets', 'Street segments (街巷)', 4326),
  ('chiefs', 'attributes', 'chiefs', 'Street chiefs (小巷管家 / 街长)', NULL),
  ('zone_levels', 'attributes', 'zone_levels', 'The configured zone levels, top first', NULL),
  ('wangge_meta', 'attributes', 'wangge_meta', 'Schema and data versions of this wangge store', NULL),
  ('wangge_changes', 'attributes', 'wangge_changes', 'Applied changes and the area each touched', NULL);

INSERT INTO gpkg_geometry_columns VALUES
  ('zones', 'geom', 'MULTIPOLYGON', 4326, 0, 0),
  ('compounds', 'geom', 'MULTIPOLYGON', 4326, 0, 0),
  ('buildings', 'geom', 'MULTIPOLYGON', 4326, 0, 0),
  ('streets', 'geom', 'LINESTRING', 4326, 0, 0);
