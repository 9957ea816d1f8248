-- Stores a problem under the id it has elsewhere (when migrating a store), without its steps.
INSERT INTO problems (id, lon, lat, address, category, description, source, order_no,
                      reported_at_ms, reporter, compound_id, building_id, street_id, chief_id,
                      grid_code, community_code, subdistrict_code, state, level, deadline_ms)
OVERRIDING SYSTEM VALUE
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
