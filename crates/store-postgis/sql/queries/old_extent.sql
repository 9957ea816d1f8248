-- The box covering the current geometries of some rows of {table}, before a change replaces or
-- deletes them: NULLs when none has one.
SELECT min(min_x), min(min_y), max(max_x), max(max_y) FROM {table} WHERE id = ANY($1)
