-- One zone level, at its place in the hierarchy.
INSERT INTO zone_levels (position, key, name_zh, name_en, code_digits, households_min, households_max)
VALUES ($1, $2, $3, $4, $5, $6, $7)
