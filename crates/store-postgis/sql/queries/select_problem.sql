-- One problem, in the columns select_problems.sql reads.
SELECT id, lon, lat, address, category, description, source, order_no, reported_at_ms, reporter,
       compound_id, building_id, street_id, chief_id, grid_code, community_code, subdistrict_code,
       state, level, deadline_ms
FROM problems WHERE id = $1
