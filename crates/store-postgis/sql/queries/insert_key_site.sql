-- One key site: a compound ($2) or a building ($3), with its reason.
INSERT INTO key_sites (id, compound_id, building_id, reason) VALUES ($1, $2, $3, $4)
