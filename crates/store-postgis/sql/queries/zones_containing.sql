-- Every zone whose area covers the point ($1, $2), boundary included, top level first, then by id.
SELECT z.id, z.code, z.name, z.level, z.parent_id, z.households, z.population, z.buildings, z.compounds, z.geom
FROM zones z
LEFT JOIN zone_levels l ON l.key = z.level
WHERE ST_Covers(z.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
ORDER BY l.position NULLS LAST, z.id
