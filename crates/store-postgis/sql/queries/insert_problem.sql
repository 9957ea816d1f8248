-- Adds a problem and its report step in one statement, and returns the problem's id.
WITH p AS (
  INSERT INTO problems (lon, lat, address, category, description, source, order_no,
                        reported_at_ms, reporter, compound_id, building_id, street_id, chief_id,
                        grid_code, community_code, subdistrict_code, state, level, deadline_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
  RETURNING id
)
INSERT INTO problem_steps (problem_id, at_ms, by_name, action, from_state, to_state, from_level,
                           to_level, deadline_ms, note)
SELECT id, $8, $9, 'report', NULL, $17, NULL, $18, $19, '' FROM p
RETURNING problem_id
