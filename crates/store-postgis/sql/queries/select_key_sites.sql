-- Every key site: compounds first, then buildings, by id.
SELECT id, compound_id, building_id, reason FROM key_sites
ORDER BY compound_id IS NULL, compound_id, building_id
