-- The zones of every edit of a plan, in the columns a Zone is read from, then the edit's sequence
-- number and the side; by edit, side and position.
SELECT id, code, name, level, parent_id, households, population, buildings, compounds, geom, seq, side
FROM plan_edit_zones
WHERE plan_id = $1
ORDER BY seq, side, position
