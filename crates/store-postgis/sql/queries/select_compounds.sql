-- Every column a Compound is read from; the caller appends a filter and an order.
SELECT id, code, name, kind, management, tier, stars, source_id, geom FROM compounds
