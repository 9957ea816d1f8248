-- The enabled user of a session that has not expired at $2, in the columns a User is read from.
SELECT u.id, u.username, u.display_name, u.role, u.chief_id, u.password_hash, u.failed_attempts,
       u.locked_until_ms, u.disabled
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND NOT u.disabled
