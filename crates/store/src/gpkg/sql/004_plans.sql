-- Schema version 4: plans, the drafts of the zone hierarchy that planners edit, and the published
-- plans kept as history.
--
-- These are wangge's own tables, not GeoPackage contents: they are not registered in
-- gpkg_contents, so GDAL and QGIS show the live layers only. The zone columns are the zones
-- table's, and `geom` holds the same GeoPackage binary (EPSG:4326), so a plan's zones can be
-- copied into a feature table with plain SQL.
-- `digest` columns hold a fingerprint of the row's content (see wangge_store::plan_sync), so that
-- saving a plan rewrites only the zones and edits that changed.

CREATE TABLE plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'discarded')),
  -- Grows with every edit, undo and redo: the token of optimistic concurrency.
  version INTEGER NOT NULL CHECK (version >= 0),
  -- The published plan this one was copied from.
  based_on INTEGER,
  created_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  published_by TEXT,
  published_at_ms INTEGER
);

-- Every zone of a plan, every level.
CREATE TABLE plan_zones (
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  level TEXT NOT NULL,
  parent_id INTEGER,
  households INTEGER NOT NULL DEFAULT 0,
  population INTEGER NOT NULL DEFAULT 0,
  buildings INTEGER NOT NULL DEFAULT 0,
  compounds INTEGER NOT NULL DEFAULT 0,
  geom BLOB NOT NULL,
  digest BLOB NOT NULL,
  PRIMARY KEY (plan_id, id)
);
-- A save reads every zone's fingerprint: from this index, without reading the geometries.
CREATE INDEX plan_zones_digest ON plan_zones (plan_id, id, digest);

-- Zones the automatic tools must leave untouched.
CREATE TABLE plan_locks (
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  zone_id INTEGER NOT NULL,
  PRIMARY KEY (plan_id, zone_id)
) WITHOUT ROWID;

-- The edits of a plan, by sequence number. Locks before and after are comma-separated zone ids.
CREATE TABLE plan_edits (
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  op TEXT NOT NULL,
  summary TEXT NOT NULL,
  edited_by TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  locked_before TEXT NOT NULL,
  locked_after TEXT NOT NULL,
  undone INTEGER NOT NULL CHECK (undone IN (0, 1)),
  version INTEGER NOT NULL,
  digest BLOB NOT NULL,
  PRIMARY KEY (plan_id, seq)
);

-- The zones an edit replaced ('before') and put in their place ('after'), in their order.
CREATE TABLE plan_edit_zones (
  plan_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('before', 'after')),
  position INTEGER NOT NULL,
  id INTEGER NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  level TEXT NOT NULL,
  parent_id INTEGER,
  households INTEGER NOT NULL DEFAULT 0,
  population INTEGER NOT NULL DEFAULT 0,
  buildings INTEGER NOT NULL DEFAULT 0,
  compounds INTEGER NOT NULL DEFAULT 0,
  geom BLOB NOT NULL,
  PRIMARY KEY (plan_id, seq, side, position),
  FOREIGN KEY (plan_id, seq) REFERENCES plan_edits(plan_id, seq) ON DELETE CASCADE
);
