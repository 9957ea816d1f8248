-- Writes a zone whether or not it exists yet. The geometry comes as hex EWKB text: PostGIS parses
-- that as leniently as the GeoPackage backend stores (its binary input refuses degenerate rings).
INSERT INTO zones (id, code, name, level, parent_id, households, population, buildings, compounds, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::geometry)
ON CONFLICT (id) DO UPDATE SET
  code = EXCLUDED.code, name = EXCLUDED.name, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
  households = EXCLUDED.households, population = EXCLUDED.population,
  buildings = EXCLUDED.buildings, compounds = EXCLUDED.compounds, geom = EXCLUDED.geom
