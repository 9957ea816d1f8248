-- Whether a compound exists.
SELECT EXISTS (SELECT 1 FROM compounds WHERE id = $1)
