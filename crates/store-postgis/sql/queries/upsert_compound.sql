-- Writes a compound whether or not it exists yet (geometry as hex EWKB text, see upsert_zone.sql).
INSERT INTO compounds (id, code, name, kind, management, tier, stars, source_id, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::geometry)
ON CONFLICT (id) DO UPDATE SET
  code = EXCLUDED.code, name = EXCLUDED.name, kind = EXCLUDED.kind, management = EXCLUDED.management,
  tier = EXCLUDED.tier, stars = EXCLUDED.stars, source_id = EXCLUDED.source_id, geom = EXCLUDED.geom
