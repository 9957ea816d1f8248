-- Writes a zone of a plan whether or not it exists yet (geometry as hex EWKB text, see
-- upsert_zone.sql), with its fingerprint.
INSERT INTO plan_zones (plan_id, id, code, name, level, parent_id, households, population, buildings, compounds, geom, digest)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::geometry, $12)
ON CONFLICT (plan_id, id) DO UPDATE SET
  code = EXCLUDED.code, name = EXCLUDED.name, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
  households = EXCLUDED.households, population = EXCLUDED.population,
  buildings = EXCLUDED.buildings, compounds = EXCLUDED.compounds, geom = EXCLUDED.geom,
  digest = EXCLUDED.digest
