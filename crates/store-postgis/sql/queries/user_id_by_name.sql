-- The id of the user holding a username, if any.
SELECT id FROM users WHERE username = $1
