-- Files a session holds: visitors' attachments and files tools handed out. A file belongs to
-- one (agent, scope, session): it is fetched only under that address. The session row may not
-- exist yet when a visitor uploads before their first message, so there is no key to it.
CREATE TABLE files (
  id           TEXT PRIMARY KEY,
  agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  scope        TEXT NOT NULL,
  session_id   TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('attachment', 'output')),
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  data         BLOB NOT NULL,
  trace_id     TEXT,
  created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX files_by_session ON files (agent_id, scope, session_id);

-- Summaries of a session's older turns, written when its history neared the model's context
-- window. The messages they summarise stay stored; the model sees the latest summary and the
-- messages after `through_seq`.
CREATE TABLE context_summaries (
  session_pk    INTEGER NOT NULL REFERENCES sessions(pk) ON DELETE CASCADE,
  through_seq   INTEGER NOT NULL,
  summary       TEXT NOT NULL,
  tokens_before INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (session_pk, through_seq)
) STRICT, WITHOUT ROWID;
