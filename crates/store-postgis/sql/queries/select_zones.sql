-- Every column a Zone is read from; the caller appends a filter and an order.
SELECT id, code, name, level, parent_id, households, population, buildings, compounds, geom FROM zones
