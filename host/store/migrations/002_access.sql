-- Access: share links, chat API keys, owner keys. Secrets are stored only as hashes.

CREATE TABLE links (
  id                  TEXT PRIMARY KEY,            -- public id, used in the owner API and session scopes
  agent_id            TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  token_hash          TEXT NOT NULL UNIQUE,        -- SHA-256 of the 256-bit URL token
  expires_at          TEXT,                        -- NULL: never
  password_hash       TEXT,                        -- scrypt; NULL: no password
  enabled             INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  quota_per_visitor   INTEGER,                     -- messages per visitor per UTC day; NULL: unlimited
  quota_total         INTEGER,                     -- messages in all; NULL: unlimited
  used_total          INTEGER NOT NULL DEFAULT 0,
  allowed_origins     TEXT NOT NULL DEFAULT '[]',
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX links_by_agent ON links (agent_id, created_at DESC);

CREATE TABLE link_visitor_usage (
  link_id  TEXT NOT NULL REFERENCES links(id) ON DELETE CASCADE,
  visitor  TEXT NOT NULL,                           -- a keyed hash of the visitor, never the IP itself
  day      TEXT NOT NULL,                           -- YYYY-MM-DD, UTC
  used     INTEGER NOT NULL,
  PRIMARY KEY (link_id, visitor, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,                   -- the public half of KEY.SECRET
  agent_id      TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  secret_hash   TEXT NOT NULL,                      -- SHA-256 of the 256-bit secret
  created_at    TEXT NOT NULL,
  refreshed_at  TEXT,
  last_used_at  TEXT
) STRICT;
CREATE INDEX api_keys_by_agent ON api_keys (agent_id, created_at DESC);

CREATE TABLE owner_keys (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  agent_ids     TEXT,                               -- JSON array; NULL: every agent
  secret_hash   TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_used_at  TEXT
) STRICT;
