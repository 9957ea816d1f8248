-- Starts a session: the SHA-256 of its token, its user and when it expires; created now.
INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms)
VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, $3)
