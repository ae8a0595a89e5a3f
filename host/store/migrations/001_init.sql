-- Porch's first schema. Timestamps are ISO-8601 UTC strings; JSON columns hold text.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE agents (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  config            TEXT NOT NULL,           -- the draft (AgentConfig JSON)
  published         INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
  active_version    INTEGER,
  api_response_mode TEXT NOT NULL DEFAULT 'streaming' CHECK (api_response_mode IN ('streaming', 'non_streaming')),
  access            TEXT NOT NULL DEFAULT 'public' CHECK (access IN ('public', 'link')),
  allowed_origins   TEXT NOT NULL DEFAULT '[]',
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;

-- Immutable snapshots of a draft, taken at publish time.
CREATE TABLE agent_versions (
  id                TEXT PRIMARY KEY,
  agent_id          TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  version           INTEGER NOT NULL,
  name              TEXT NOT NULL,
  agent_description TEXT NOT NULL,
  config            TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '', -- the change note, at most 100 characters
  created_at        TEXT NOT NULL,
  UNIQUE (agent_id, version)
) STRICT;

-- A session id means something only inside its (agent, scope): `public`, `link:<id>`, `key:<id>`.
CREATE TABLE sessions (
  pk         INTEGER PRIMARY KEY,
  agent_id   TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  scope      TEXT NOT NULL,
  id         TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (agent_id, scope, id)
) STRICT;
CREATE INDEX sessions_by_agent_recent ON sessions (agent_id, updated_at DESC);

-- One row per message, Anthropic content blocks; appending a turn never rewrites earlier rows.
CREATE TABLE messages (
  session_pk INTEGER NOT NULL REFERENCES sessions(pk) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content    TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'cancelled', 'error')),
  trace_id   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (session_pk, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE traces (
  trace_id       TEXT PRIMARY KEY,
  agent_id       TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  version        INTEGER NOT NULL,
  session_id     TEXT NOT NULL,
  scope          TEXT NOT NULL,
  request_id     TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('running', 'success', 'error', 'cancelled', 'interrupted')),
  started_at     TEXT NOT NULL,
  first_token_ms REAL,
  total_ms       REAL,
  turns          INTEGER NOT NULL DEFAULT 0,
  input_tokens   INTEGER NOT NULL DEFAULT 0,
  output_tokens  INTEGER NOT NULL DEFAULT 0,
  tool_calls     TEXT NOT NULL DEFAULT '[]',
  error          TEXT
) STRICT;
CREATE INDEX traces_by_agent_recent ON traces (agent_id, started_at DESC);
