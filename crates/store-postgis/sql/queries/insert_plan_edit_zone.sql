-- One zone an edit replaced or put in place (geometry as hex EWKB text, see upsert_zone.sql).
INSERT INTO plan_edit_zones (plan_id, seq, side, position, id, code, name, level, parent_id, households, population, buildings, compounds, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text::geometry)
