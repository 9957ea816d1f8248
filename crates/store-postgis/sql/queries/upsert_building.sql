-- Writes a building whether or not it exists yet (geometry as hex EWKB text, see upsert_zone.sql).
INSERT INTO buildings (id, source_id, name, address, compound_id, floors, units, households, population, height_m, estimated, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::geometry)
ON CONFLICT (id) DO UPDATE SET
  source_id = EXCLUDED.source_id, name = EXCLUDED.name, address = EXCLUDED.address,
  compound_id = EXCLUDED.compound_id, floors = EXCLUDED.floors, units = EXCLUDED.units,
  households = EXCLUDED.households, population = EXCLUDED.population, height_m = EXCLUDED.height_m,
  estimated = EXCLUDED.estimated, geom = EXCLUDED.geom
