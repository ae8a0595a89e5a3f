-- A visitor's rating of one assistant answer (SQLite migration 015): one row per message,
-- deleted with it, with the trace that produced the answer.
CREATE TABLE feedback (
  session_pk bigint NOT NULL,
  seq        integer NOT NULL,
  agent_id   text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  trace_id   text NOT NULL,
  rating     text NOT NULL CHECK (rating IN ('up', 'down')),
  comment    text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (session_pk, seq),
  FOREIGN KEY (session_pk, seq) REFERENCES messages (session_pk, seq) ON DELETE CASCADE
);
CREATE INDEX feedback_by_agent ON feedback (agent_id, rating, session_pk);
