-- The GeoPackage R-tree spatial index extension for one feature table (spec 1.3, annex F.3).
-- {table} is replaced by the table name; the geometry column is `geom`, the id column `id`.
-- The triggers call ST_MinX … ST_IsEmpty, which wangge registers on every connection (as GDAL does),
-- so the index stays right whichever program edits the file.

CREATE VIRTUAL TABLE rtree_{table}_geom USING rtree(id, minx, maxx, miny, maxy);

INSERT OR REPLACE INTO rtree_{table}_geom
  SELECT id, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom)
  FROM {table} WHERE geom NOT NULL AND NOT ST_IsEmpty(geom);

CREATE TRIGGER rtree_{table}_geom_insert AFTER INSERT ON {table}
  WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_{table}_geom VALUES (
    NEW.id, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;

CREATE TRIGGER rtree_{table}_geom_update1 AFTER UPDATE OF geom ON {table}
  WHEN OLD.id = NEW.id AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_{table}_geom VALUES (
    NEW.id, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;

CREATE TRIGGER rtree_{table}_geom_update2 AFTER UPDATE OF geom ON {table}
  WHEN OLD.id = NEW.id AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_{table}_geom WHERE id = OLD.id;
END;

CREATE TRIGGER rtree_{table}_geom_update3 AFTER UPDATE ON {table}
  WHEN OLD.id != NEW.id AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_{table}_geom WHERE id = OLD.id;
  INSERT OR REPLACE INTO rtree_{table}_geom VALUES (
    NEW.id, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;

CREATE TRIGGER rtree_{table}_geom_update4 AFTER UPDATE ON {table}
  WHEN OLD.id != NEW.id AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_{table}_geom WHERE id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER rtree_{table}_geom_delete AFTER DELETE ON {table}
  WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_{table}_geom WHERE id = OLD.id;
END;

INSERT OR IGNORE INTO gpkg_extensions VALUES
  ('{table}', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
