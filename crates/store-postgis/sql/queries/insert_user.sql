-- Stores a new user and returns the id it was given.
INSERT INTO users (username, display_name, role, chief_id, password_hash, failed_attempts,
                   locked_until_ms, disabled)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
