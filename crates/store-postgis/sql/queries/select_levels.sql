-- The zone levels, top first.
SELECT key, name_zh, name_en, code_digits FROM zone_levels ORDER BY position
