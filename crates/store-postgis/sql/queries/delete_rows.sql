-- Deletes rows of {table} by id.
DELETE FROM {table} WHERE id = ANY($1)
