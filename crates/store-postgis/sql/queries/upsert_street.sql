-- Writes a street segment whether or not it exists yet (geometry as hex EWKB text, see
-- upsert_zone.sql).
INSERT INTO streets (id, source_id, name, class, geom)
VALUES ($1, $2, $3, $4, $5::text::geometry)
ON CONFLICT (id) DO UPDATE SET
  source_id = EXCLUDED.source_id, name = EXCLUDED.name, class = EXCLUDED.class, geom = EXCLUDED.geom
