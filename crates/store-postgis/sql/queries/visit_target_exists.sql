-- Whether a visit's target ($1 kind, $2 id) is on the lists: a key compound or building, a
-- vulnerable household, or a building with households.
SELECT CASE $1::text
  WHEN 'key_compound' THEN EXISTS (SELECT 1 FROM key_sites WHERE compound_id = $2)
  WHEN 'key_building' THEN EXISTS (SELECT 1 FROM key_sites WHERE building_id = $2)
  WHEN 'household' THEN EXISTS (SELECT 1 FROM vulnerable_households WHERE id = $2)
  WHEN 'building' THEN EXISTS (SELECT 1 FROM buildings WHERE id = $2 AND households > 0)
  ELSE false
END
