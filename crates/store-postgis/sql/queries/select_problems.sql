-- The problems passing a filter, in id order; a NULL (or false) parameter does not filter:
-- $1 state, $2 open only, $3 zone code prefix, $4 chief, $5 reported since (ms), $6 source.
SELECT id, lon, lat, address, category, description, source, order_no, reported_at_ms, reporter,
       compound_id, building_id, street_id, chief_id, grid_code, community_code, subdistrict_code,
       state, level, deadline_ms
FROM problems
WHERE ($1::text IS NULL OR state = $1)
  AND (NOT $2::boolean OR state IN ('reported', 'accepted', 'in_progress'))
  AND ($3::text IS NULL
       OR left(coalesce(grid_code, community_code, subdistrict_code), length($3)) = $3)
  AND ($4::bigint IS NULL OR chief_id = $4)
  AND ($5::bigint IS NULL OR reported_at_ms >= $5)
  AND ($6::text IS NULL OR source = $6)
ORDER BY id
