-- The analytics rollup of 017, counted for less (BENCHMARKS.md#analytics-triggers): its trigger was
-- ~110 µs of a sync chat's ~220 µs finishRun. The same counts, kept three ways cheaper:
-- * the latency histograms as integer rows, one per agent, hour, metric and bin, each run adding
--   1 to two of them, instead of two JSON objects read and rewritten per run;
-- * one `analytics_seen` row per key, flagged as a conversation and/or a visitor: an anonymous
--   run's visitor is its conversation (the same key), so a new one writes one row, not two, and
--   its run reads one, not two;
-- * the hour and the conversation's key computed once per run, not once per statement.

DROP TRIGGER analytics_count_inserted;
DROP TRIGGER analytics_count_finished;
DROP TRIGGER analytics_count_run;
DROP VIEW analytics_run;

-- Runs per first-token or total time bin (analytics.ts's latencyBin) per agent and hour. No hour
-- index: every agent's range reads each agent's primary key range (sqlite-analytics.ts), and an
-- index holding the count would be rewritten with each run.
CREATE TABLE analytics_latency_bins (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  hour     TEXT NOT NULL,
  metric   TEXT NOT NULL CHECK (metric IN ('first_token', 'total')),
  bin      INTEGER NOT NULL,
  runs     INTEGER NOT NULL,
  PRIMARY KEY (agent_id, hour, metric, bin)
) STRICT, WITHOUT ROWID;
INSERT INTO analytics_latency_bins (agent_id, hour, metric, bin, runs)
  SELECT l.agent_id, l.hour, 'first_token', CAST(e.key AS INTEGER), e.value FROM analytics_latency l, json_each(l.first_token) e
  UNION ALL
  SELECT l.agent_id, l.hour, 'total', CAST(e.key AS INTEGER), e.value FROM analytics_latency l, json_each(l.total) e;
DROP TABLE analytics_latency;

-- Keys already counted, per agent: `conversation` when a conversation (scope and session id) was,
-- `visitor` when a visitor was (a verified user's id, or for an anonymous run its conversation).
ALTER TABLE analytics_seen RENAME TO analytics_seen_017;
CREATE TABLE analytics_seen (
  agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  conversation INTEGER NOT NULL CHECK (conversation IN (0, 1)),
  visitor      INTEGER NOT NULL CHECK (visitor IN (0, 1)),
  PRIMARY KEY (agent_id, key)
) STRICT, WITHOUT ROWID;
INSERT INTO analytics_seen (agent_id, key, conversation, visitor)
  SELECT agent_id, key, MAX(kind = 'c'), MAX(kind = 'v') FROM analytics_seen_017 GROUP BY agent_id, key;
DROP TABLE analytics_seen_017;

-- One finished run, with its hour and conversation key, inserted into this empty view by the
-- triggers on traces; its INSTEAD OF trigger counts it.
CREATE VIEW analytics_run AS
  SELECT agent_id, started_at AS hour, scope, version, session_id AS conversation, visitor, status, input_tokens, output_tokens,
    first_token_ms, total_ms, tool_calls, cited_sources
  FROM traces WHERE false;

CREATE TRIGGER analytics_count_run INSTEAD OF INSERT ON analytics_run
BEGIN
  -- The conversation's seen row, read once: an anonymous run's visitor is the same key.
  INSERT INTO analytics_hours (agent_id, hour, scope, version, runs, errors, input_tokens, output_tokens, conversations, visitors)
  SELECT NEW.agent_id, NEW.hour, NEW.scope, NEW.version, 1, NEW.status IN ('error', 'interrupted'), NEW.input_tokens, NEW.output_tokens,
    seen.conversation IS NOT 1,
    CASE WHEN NEW.visitor IS NULL THEN seen.visitor IS NOT 1
      ELSE NOT EXISTS (SELECT 1 FROM analytics_seen WHERE agent_id = NEW.agent_id AND key = NEW.visitor AND visitor = 1) END
  FROM (SELECT NULL) LEFT JOIN analytics_seen AS seen ON seen.agent_id = NEW.agent_id AND seen.key = NEW.conversation
  WHERE true
  ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET runs = runs + 1, errors = errors + excluded.errors,
    input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
    conversations = conversations + excluded.conversations, visitors = visitors + excluded.visitors;
  INSERT INTO analytics_seen (agent_id, key, conversation, visitor)
  SELECT NEW.agent_id, NEW.conversation, 1, NEW.visitor IS NULL
  UNION ALL
  SELECT NEW.agent_id, NEW.visitor, 0, 1 WHERE NEW.visitor IS NOT NULL
  ON CONFLICT (agent_id, key) DO UPDATE SET conversation = conversation | excluded.conversation, visitor = visitor | excluded.visitor
    WHERE excluded.conversation > conversation OR excluded.visitor > visitor;
  INSERT INTO analytics_latency_bins (agent_id, hour, metric, bin, runs)
  SELECT NEW.agent_id, NEW.hour, t.metric, CASE WHEN t.ms < 1 THEN 0 ELSE min(1 + CAST(floor(4 * log2(t.ms) + 1e-9) AS INTEGER), 83) END, 1
  FROM (SELECT 'first_token' AS metric, NEW.first_token_ms AS ms UNION ALL SELECT 'total', NEW.total_ms) AS t WHERE t.ms IS NOT NULL
  ON CONFLICT (agent_id, hour, metric, bin) DO UPDATE SET runs = runs + 1;
  INSERT INTO analytics_uses (agent_id, hour, kind, name, uses, errors)
  SELECT NEW.agent_id, NEW.hour, 'tool', call.value ->> 'tool_name', COUNT(*), COALESCE(SUM(call.value ->> 'is_error'), 0)
  FROM json_each(NEW.tool_calls) AS call WHERE NEW.tool_calls <> '[]' GROUP BY call.value ->> 'tool_name'
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = uses + excluded.uses, errors = errors + excluded.errors;
  INSERT INTO analytics_uses (agent_id, hour, kind, name, uses)
  SELECT NEW.agent_id, NEW.hour, 'source', source.value, COUNT(*)
  FROM json_each(NEW.cited_sources) AS source WHERE NEW.cited_sources <> '[]' GROUP BY source.value
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = uses + excluded.uses;
END;

CREATE TRIGGER analytics_count_inserted AFTER INSERT ON traces WHEN NEW.status <> 'running'
BEGIN
  INSERT INTO analytics_run VALUES (NEW.agent_id, substr(NEW.started_at, 1, 13) || ':00:00.000Z', NEW.scope, NEW.version,
    NEW.scope || ' ' || NEW.session_id, NEW.visitor, NEW.status, NEW.input_tokens, NEW.output_tokens, NEW.first_token_ms, NEW.total_ms,
    NEW.tool_calls, NEW.cited_sources);
END;

-- A run counts when it leaves `running`, once: an interrupted run that finishes after all keeps
-- being counted as interrupted.
CREATE TRIGGER analytics_count_finished AFTER UPDATE OF status ON traces WHEN OLD.status = 'running' AND NEW.status <> 'running'
BEGIN
  INSERT INTO analytics_run VALUES (NEW.agent_id, substr(NEW.started_at, 1, 13) || ':00:00.000Z', NEW.scope, NEW.version,
    NEW.scope || ' ' || NEW.session_id, NEW.visitor, NEW.status, NEW.input_tokens, NEW.output_tokens, NEW.first_token_ms, NEW.total_ms,
    NEW.tool_calls, NEW.cited_sources);
END;
