-- The owner console: cookie sessions, and indexes that keep watching fast at 100,000 sessions.
-- Written with IF NOT EXISTS and touching only its own objects, so it applies on top of 002
-- as well as on top of a 003 that adds unrelated tables.

-- A signed-in browser. Only the SHA-256 of the cookie value is kept. An owner key's sessions
-- go with the key (ON DELETE CASCADE); admin sessions remember which admin token made them.
CREATE TABLE IF NOT EXISTS console_sessions (
  id_hash       TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('admin', 'owner_key')),
  owner_key_id  TEXT REFERENCES owner_keys(id) ON DELETE CASCADE,
  admin_ref     TEXT,                               -- SHA-256 of the admin token hash that signed in
  csrf_token    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  CHECK ((kind = 'admin') = (owner_key_id IS NULL))
) STRICT;
CREATE INDEX IF NOT EXISTS console_sessions_by_expiry ON console_sessions (expires_at);
CREATE INDEX IF NOT EXISTS console_sessions_by_key ON console_sessions (owner_key_id);

-- Keyset paging walks (updated_at DESC, pk DESC) backwards along these, with or without a scope.
CREATE INDEX IF NOT EXISTS sessions_by_agent_page ON sessions (agent_id, updated_at, pk);
CREATE INDEX IF NOT EXISTS sessions_by_agent_scope_page ON sessions (agent_id, scope, updated_at, pk);

-- Traces page the same way over (started_at DESC, rowid DESC), per agent, scope or session.
CREATE INDEX IF NOT EXISTS traces_by_agent_page ON traces (agent_id, started_at);
CREATE INDEX IF NOT EXISTS traces_by_agent_scope_page ON traces (agent_id, scope, started_at);
CREATE INDEX IF NOT EXISTS traces_by_session_page ON traces (agent_id, session_id, started_at);
CREATE INDEX IF NOT EXISTS traces_by_start ON traces (started_at);
