-- Whether a building exists.
SELECT EXISTS (SELECT 1 FROM buildings WHERE id = $1)
