-- Signed visitor identity. An agent's identity secret (sealed with the host secret, like HTTP
-- tools' secret headers: the host needs it back to verify HMACs) and whether the agent refuses
-- visitors without a token. A row of its own, not columns of `agents`: it changes at once,
-- never with a publish, and is read on every visitor request by primary key.
CREATE TABLE agent_identities (
  agent_id         TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  secret           TEXT,
  require_identity INTEGER NOT NULL DEFAULT 0 CHECK (require_identity IN (0, 1)),
  updated_at       TEXT NOT NULL
) STRICT;

-- The verified user who started a session (null: anonymous), and the name their token gave.
-- The index serves the user's conversation list and the owner's `?user_id=` filter, newest first.
ALTER TABLE sessions ADD COLUMN user_id TEXT;
ALTER TABLE sessions ADD COLUMN user_name TEXT;
CREATE INDEX sessions_by_user ON sessions (agent_id, user_id, updated_at, pk) WHERE user_id IS NOT NULL;
