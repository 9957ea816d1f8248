-- Every column a StreetSegment is read from; the caller appends a filter and an order.
SELECT id, source_id, name, class, geom FROM streets
