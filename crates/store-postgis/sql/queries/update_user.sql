-- Replaces a user's row.
UPDATE users
SET username = $2, display_name = $3, role = $4, chief_id = $5, password_hash = $6,
    failed_attempts = $7, locked_until_ms = $8, disabled = $9
WHERE id = $1
