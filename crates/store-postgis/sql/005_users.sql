-- Schema version 5: the people who sign in, and their sessions. The layout is the GeoPackage
-- backend's (schema 6) table for table.
--
-- A patrol user (巡查员/街长) names the street chief they are; no other role does. Passwords are
-- kept only as argon2id PHC strings, session tokens only as the hex SHA-256 of the token.
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'planner', 'leader', 'patrol', 'viewer')),
  chief_id bigint REFERENCES chiefs(id) DEFERRABLE INITIALLY DEFERRED,
  password_hash text NOT NULL,
  failed_attempts bigint NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until_ms bigint,
  disabled boolean NOT NULL DEFAULT false,
  CHECK ((role = 'patrol') = (chief_id IS NOT NULL))
);
CREATE INDEX users_chief ON users (chief_id);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
