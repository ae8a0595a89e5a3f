-- Porch's PostgreSQL schema: the same tables as SQLite's migrations 001-007 (host/store/migrations/),
-- in PostgreSQL's types. Times are timestamptz, written from JavaScript with millisecond
-- precision and read back as ISO strings (`…T…:….mmmZ`), as SQLite stores them; UTC days are
-- `date`. `json` (the exact text) where the order of object keys reaches a model (agents'
-- configs, with their tools' JSON schemas; messages' content blocks, with tool inputs), `jsonb`
-- for the host's own arrays. Applied by host/store/postgres/migrate.ts under an advisory lock.

CREATE TABLE settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE agents (
  id                text PRIMARY KEY,
  name              text NOT NULL,
  description       text NOT NULL DEFAULT '',
  config            json NOT NULL,                 -- the draft (AgentConfig)
  published         boolean NOT NULL DEFAULT false,
  active_version    integer,
  api_response_mode text NOT NULL DEFAULT 'streaming' CHECK (api_response_mode IN ('streaming', 'non_streaming')),
  access            text NOT NULL DEFAULT 'public' CHECK (access IN ('public', 'link')),
  allowed_origins   jsonb NOT NULL DEFAULT '[]',
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE INDEX agents_by_created ON agents (created_at DESC, id);

-- Immutable snapshots of a draft, taken at publish time. The unique key is what keeps two
-- concurrent publishes from taking the same number (publish also locks the agent's row).
CREATE TABLE agent_versions (
  id                text PRIMARY KEY,
  agent_id          text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  version           integer NOT NULL,
  name              text NOT NULL,
  agent_description text NOT NULL,
  config            json NOT NULL,
  description       text NOT NULL DEFAULT '',      -- the change note, at most 100 characters
  created_at        timestamptz NOT NULL,
  UNIQUE (agent_id, version)
);

-- A session id means something only inside its (agent, scope): `public`, `link:<id>`, `key:<id>`, `try`.
CREATE TABLE sessions (
  pk         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id   text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  scope      text NOT NULL,
  id         text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (agent_id, scope, id)
);
-- The owner's keyset paging walks (updated_at DESC, pk DESC), with or without a scope.
CREATE INDEX sessions_by_agent_page ON sessions (agent_id, updated_at, pk);
CREATE INDEX sessions_by_agent_scope_page ON sessions (agent_id, scope, updated_at, pk);

-- One row per message; the primary key keeps two runs from taking the same seq.
CREATE TABLE messages (
  session_pk bigint NOT NULL REFERENCES sessions (pk) ON DELETE CASCADE,
  seq        integer NOT NULL,
  role       text NOT NULL CHECK (role IN ('user', 'assistant')),
  content    json NOT NULL,
  status     text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'cancelled', 'error')),
  trace_id   text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (session_pk, seq)
);

-- `pk` stands for SQLite's rowid: the tiebreaker of the owner's paging. `host_instance`: the
-- host process that runs (or ran) it, which holds an advisory lock for as long as it lives
-- (instance.ts), so a host starting marks `interrupted` only the running traces of hosts gone.
CREATE TABLE traces (
  trace_id       text PRIMARY KEY,
  pk             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  agent_id       text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  version        integer NOT NULL,
  session_id     text NOT NULL,
  scope          text NOT NULL,
  request_id     text NOT NULL,
  status         text NOT NULL CHECK (status IN ('running', 'success', 'error', 'cancelled', 'interrupted')),
  started_at     timestamptz NOT NULL,
  first_token_ms double precision,
  total_ms       double precision,
  turns          integer NOT NULL DEFAULT 0,
  input_tokens   integer NOT NULL DEFAULT 0,
  output_tokens  integer NOT NULL DEFAULT 0,
  tool_calls     jsonb NOT NULL DEFAULT '[]',
  error          text,
  host_instance  integer
);
CREATE INDEX traces_by_agent_page ON traces (agent_id, started_at, pk);
CREATE INDEX traces_by_agent_scope_page ON traces (agent_id, scope, started_at, pk);
CREATE INDEX traces_by_session_page ON traces (agent_id, session_id, started_at, pk);
CREATE INDEX traces_by_start ON traces (started_at, pk);
-- markInterruptedTraces at every start reads only the running ones.
CREATE INDEX traces_running ON traces (trace_id) WHERE status = 'running';

-- Summaries of a session's older turns; the model sees the latest and the messages after it.
CREATE TABLE context_summaries (
  session_pk    bigint NOT NULL REFERENCES sessions (pk) ON DELETE CASCADE,
  through_seq   integer NOT NULL,
  summary       text NOT NULL,
  tokens_before integer NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (session_pk, through_seq)
);

-- Access: share links, chat API keys, owner keys. Secrets are stored only as hashes.
CREATE TABLE links (
  id                text PRIMARY KEY,
  agent_id          text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  name              text NOT NULL,
  token_hash        text NOT NULL UNIQUE,          -- SHA-256 of the 256-bit URL token
  expires_at        timestamptz,                   -- NULL: never
  password_hash     text,                          -- scrypt; NULL: no password
  enabled           boolean NOT NULL DEFAULT true,
  quota_per_visitor integer,                       -- messages per visitor per UTC day; NULL: unlimited
  quota_total       integer,                       -- messages in all; NULL: unlimited
  used_total        integer NOT NULL DEFAULT 0,
  allowed_origins   jsonb NOT NULL DEFAULT '[]',
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE INDEX links_by_agent ON links (agent_id, created_at DESC, id);

CREATE TABLE link_visitor_usage (
  link_id text NOT NULL REFERENCES links (id) ON DELETE CASCADE,
  visitor text NOT NULL,                           -- a keyed hash of the visitor, never the IP itself
  day     date NOT NULL,                           -- UTC
  used    integer NOT NULL,
  PRIMARY KEY (link_id, visitor, day)
);

CREATE TABLE api_keys (
  id           text PRIMARY KEY,                   -- the public half of KEY.SECRET
  agent_id     text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  name         text NOT NULL,
  secret_hash  text NOT NULL,                      -- SHA-256 of the 256-bit secret
  created_at   timestamptz NOT NULL,
  refreshed_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX api_keys_by_agent ON api_keys (agent_id, created_at DESC, id);

CREATE TABLE owner_keys (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  agent_ids    jsonb,                              -- array of agent ids; NULL: every agent
  secret_hash  text NOT NULL,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz
);

-- The owner console's signed-in browsers; only the SHA-256 of the cookie value is kept.
CREATE TABLE console_sessions (
  id_hash      text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('admin', 'owner_key')),
  owner_key_id text REFERENCES owner_keys (id) ON DELETE CASCADE,
  admin_ref    text,                               -- SHA-256 of the admin token hash that signed in
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  CHECK ((kind = 'admin') = (owner_key_id IS NULL))
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
CREATE INDEX console_sessions_by_key ON console_sessions (owner_key_id);

-- Files a session holds: visitors' attachments and tools' output files. The session row may not
-- exist yet when a visitor uploads before their first message, so there is no key to it.
CREATE TABLE files (
  id           text PRIMARY KEY,
  agent_id     text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  scope        text NOT NULL,
  session_id   text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('attachment', 'output')),
  filename     text NOT NULL,
  content_type text NOT NULL,
  size         integer NOT NULL,
  data         bytea NOT NULL,
  trace_id     text,
  created_at   timestamptz NOT NULL
);
-- Session budgets and the owner's usage sum sizes by session and kind from the index alone.
CREATE INDEX files_by_session_size ON files (agent_id, scope, session_id, kind) INCLUDE (size);
CREATE INDEX files_by_age ON files (created_at);

-- Uploads no message has named yet (deleted after PORCH_UPLOAD_UNUSED_MINUTES).
CREATE TABLE unused_attachments (
  file_id    text PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL
);
CREATE INDEX unused_attachments_by_age ON unused_attachments (created_at);

-- Attachment bytes each agent received per UTC day, never taken back when files are deleted.
-- An upload locks its agent's row for the day, so concurrent uploads cannot overshoot a budget.
CREATE TABLE attachment_days (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  day      date NOT NULL,
  bytes    bigint NOT NULL,
  PRIMARY KEY (agent_id, day)
);
