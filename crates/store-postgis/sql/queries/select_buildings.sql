-- Every column a Building is read from; the caller appends a filter and an order.
SELECT id, source_id, name, address, compound_id, floors, units, households, population, height_m, estimated, geom FROM buildings
