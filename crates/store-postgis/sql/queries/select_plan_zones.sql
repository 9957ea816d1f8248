-- Every zone of a plan, by id, in the columns a Zone is read from.
SELECT id, code, name, level, parent_id, households, population, buildings, compounds, geom
FROM plan_zones
WHERE plan_id = $1
ORDER BY id
