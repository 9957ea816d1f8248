-- The zone levels, top first.
SELECT key, name_zh, name_en, code_digits, households_min, households_max FROM zone_levels ORDER BY position
