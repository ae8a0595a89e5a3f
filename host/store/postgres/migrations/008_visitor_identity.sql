-- Signed visitor identity (SQLite migration 015): an agent's sealed identity secret and whether
-- it requires identity, and the verified user who started each session.
CREATE TABLE agent_identities (
  agent_id         text PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
  secret           text,
  require_identity boolean NOT NULL DEFAULT false,
  updated_at       timestamptz NOT NULL
);

ALTER TABLE sessions ADD COLUMN user_id text;
ALTER TABLE sessions ADD COLUMN user_name text;
CREATE INDEX sessions_by_user ON sessions (agent_id, user_id, updated_at, pk) WHERE user_id IS NOT NULL;
