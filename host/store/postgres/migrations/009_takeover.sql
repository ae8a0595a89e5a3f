-- Human takeover (SQLite migration 016). `takeovers`: who holds a session instead of the agent
-- (by_id, by_name and since are null once handed back) and the counter of its events; its row
-- lock orders a session's events. `session_events`: what a client following the session
-- replays after its Last-Event-ID.
CREATE TABLE takeovers (
  session_pk bigint PRIMARY KEY REFERENCES sessions (pk) ON DELETE CASCADE,
  agent_id   text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  by_id      text,
  by_name    text,
  since      timestamptz,
  last_event integer NOT NULL DEFAULT 0
);
CREATE INDEX takeovers_held ON takeovers (agent_id, since) WHERE since IS NOT NULL;

CREATE TABLE session_events (
  session_pk bigint NOT NULL REFERENCES sessions (pk) ON DELETE CASCADE,
  id         integer NOT NULL,
  type       text NOT NULL CHECK (type IN ('person_joined', 'person_message', 'person_left', 'visitor_message')),
  name       text,
  seq        integer,
  text       text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (session_pk, id)
);
