-- Whether a street chief exists.
SELECT EXISTS (SELECT 1 FROM chiefs WHERE id = $1)
