-- Schema version 6: the people who sign in, and their sessions.
--
-- Users are not geography: these are not GeoPackage feature tables. A patrol user (巡查员/街长)
-- names the street chief they are; no other role does. Passwords are kept only as argon2id PHC
-- strings, session tokens only as the hex SHA-256 of the token.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'planner', 'leader', 'patrol', 'viewer')),
  chief_id INTEGER REFERENCES chiefs(id) DEFERRABLE INITIALLY DEFERRED,
  password_hash TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until_ms INTEGER,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  CHECK ((role = 'patrol') = (chief_id IS NOT NULL))
);
CREATE INDEX users_chief ON users(chief_id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
