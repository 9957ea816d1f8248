-- Every user, by username, in the columns a User is read from.
SELECT id, username, display_name, role, chief_id, password_hash, failed_attempts,
       locked_until_ms, disabled
FROM users
ORDER BY username
