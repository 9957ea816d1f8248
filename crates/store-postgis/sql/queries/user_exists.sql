-- Whether a user exists.
SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)
