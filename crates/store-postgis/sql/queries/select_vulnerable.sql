-- Every vulnerable household, by id.
SELECT id, building_id, door, category, contact FROM vulnerable_households ORDER BY id
