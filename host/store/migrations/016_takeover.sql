-- Human takeover. `takeovers`: who holds a session instead of the agent (by_id, by_name and
-- since are null once it is handed back), and the counter that numbers the session's events.
-- `session_events`: what a client following the session replays after its Last-Event-ID: a
-- person joined, wrote, left; the visitor wrote while a person held the session. The partial
-- index lists an agent's held sessions without reading the others.
CREATE TABLE takeovers (
  session_pk INTEGER PRIMARY KEY REFERENCES sessions(pk) ON DELETE CASCADE,
  agent_id   TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  by_id      TEXT,
  by_name    TEXT,
  since      TEXT,
  last_event INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX takeovers_held ON takeovers (agent_id, since) WHERE since IS NOT NULL;

CREATE TABLE session_events (
  session_pk INTEGER NOT NULL REFERENCES sessions(pk) ON DELETE CASCADE,
  id         INTEGER NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('person_joined', 'person_message', 'person_left', 'visitor_message')),
  name       TEXT,
  seq        INTEGER,
  text       TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (session_pk, id)
) STRICT, WITHOUT ROWID;
