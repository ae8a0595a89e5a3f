-- Analytics from an hourly rollup instead of the traces (BENCHMARKS.md#analytics), as SQLite's
-- migration 017: triggers on traces count each run once, when it is written finished or leaves
-- `running`, in that transaction. They are statement triggers over the statement's rows (a
-- transition table), counted as one set: a row trigger in PL/pgSQL cost about a millisecond per
-- trace, which made bulk writes (this migration's backfill, a store copy) slow. The bin of a
-- time is 0 below 1 ms, else 1 + floor(4·log2(ms)) up to 83 (analytics.ts's latencyBin).

ALTER TABLE traces ADD COLUMN visitor text;
ALTER TABLE traces ADD COLUMN cited_sources jsonb NOT NULL DEFAULT '[]';

CREATE TABLE analytics_hours (
  agent_id      text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour          timestamptz NOT NULL,
  scope         text NOT NULL,
  version       integer NOT NULL,
  runs          bigint NOT NULL DEFAULT 0,
  errors        bigint NOT NULL DEFAULT 0,
  input_tokens  bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  conversations bigint NOT NULL DEFAULT 0,
  visitors      bigint NOT NULL DEFAULT 0,
  feedback_up   bigint NOT NULL DEFAULT 0,
  feedback_down bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour, scope, version)
);
CREATE INDEX analytics_hours_by_hour ON analytics_hours (hour)
  INCLUDE (agent_id, scope, version, runs, errors, input_tokens, output_tokens, conversations, visitors, feedback_up, feedback_down);

CREATE TABLE analytics_latency (
  agent_id    text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour        timestamptz NOT NULL,
  first_token jsonb NOT NULL DEFAULT '{}',
  total       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (agent_id, hour)
);
CREATE INDEX analytics_latency_by_hour ON analytics_latency (hour);

CREATE TABLE analytics_uses (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour     timestamptz NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('tool', 'source')),
  name     text NOT NULL,
  uses     bigint NOT NULL DEFAULT 0,
  errors   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour, kind, name)
);
CREATE INDEX analytics_uses_by_hour ON analytics_uses (hour);

CREATE TABLE analytics_seen (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  kind     text NOT NULL CHECK (kind IN ('c', 'v')),
  key      text NOT NULL,
  PRIMARY KEY (agent_id, kind, key)
);

CREATE TABLE analytics_refusals (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour     timestamptz NOT NULL,
  refusals bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour)
);

CREATE FUNCTION analytics_bin(ms double precision) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN ms < 1 THEN '0' ELSE least(1 + floor(4 * ln(ms) / ln(2) + 1e-9)::integer, 83)::text END $$;

-- Two histograms {"bin": count} added up.
CREATE FUNCTION analytics_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(jsonb_object_agg(bin, n), '{}') FROM (
    SELECT bin, SUM(n::bigint) AS n FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) AS e (bin, n) GROUP BY bin
  ) AS s $$;

-- Counts a set of finished runs. A conversation (and a visitor) counts in the hour, scope and
-- version of its first run, once: its seen row is claimed first, so of two transactions finishing
-- runs of a new conversation at once, the second waits on the first's key and finds it taken.
CREATE FUNCTION analytics_count_runs(batch traces[]) RETURNS void LANGUAGE sql AS $$
  WITH runs AS (
    SELECT r.*, date_trunc('hour', r.started_at, 'UTC') AS hour, r.scope || ' ' || r.session_id AS conversation,
      COALESCE(r.visitor, r.scope || ' ' || r.session_id) AS visitor_key
    FROM unnest(batch) AS r
  ), first_c AS (
    SELECT DISTINCT ON (agent_id, conversation) agent_id, conversation AS key, hour, scope, version FROM runs ORDER BY agent_id, conversation, started_at, trace_id
  ), first_v AS (
    SELECT DISTINCT ON (agent_id, visitor_key) agent_id, visitor_key AS key, hour, scope, version FROM runs ORDER BY agent_id, visitor_key, started_at, trace_id
  ), new_c AS (
    INSERT INTO analytics_seen (agent_id, kind, key) SELECT agent_id, 'c', key FROM first_c ON CONFLICT DO NOTHING RETURNING agent_id, key
  ), new_v AS (
    INSERT INTO analytics_seen (agent_id, kind, key) SELECT agent_id, 'v', key FROM first_v ON CONFLICT DO NOTHING RETURNING agent_id, key
  ), slices AS (
    SELECT agent_id, hour, scope, version, COUNT(*) AS runs, COUNT(*) FILTER (WHERE status IN ('error', 'interrupted')) AS errors,
      SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, 0 AS conversations, 0 AS visitors
    FROM runs GROUP BY agent_id, hour, scope, version
    UNION ALL
    SELECT f.agent_id, f.hour, f.scope, f.version, 0, 0, 0, 0, 1, 0 FROM first_c f JOIN new_c n USING (agent_id, key)
    UNION ALL
    SELECT f.agent_id, f.hour, f.scope, f.version, 0, 0, 0, 0, 0, 1 FROM first_v f JOIN new_v n USING (agent_id, key)
  ), hours AS (
    INSERT INTO analytics_hours AS h (agent_id, hour, scope, version, runs, errors, input_tokens, output_tokens, conversations, visitors)
    SELECT agent_id, hour, scope, version, SUM(runs), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(conversations), SUM(visitors)
    FROM slices GROUP BY agent_id, hour, scope, version
    ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET runs = h.runs + excluded.runs, errors = h.errors + excluded.errors,
      input_tokens = h.input_tokens + excluded.input_tokens, output_tokens = h.output_tokens + excluded.output_tokens,
      conversations = h.conversations + excluded.conversations, visitors = h.visitors + excluded.visitors
  ), bins AS (
    SELECT agent_id, hour, 'first_token' AS metric, analytics_bin(first_token_ms) AS bin, COUNT(*) AS n FROM runs
    WHERE first_token_ms IS NOT NULL GROUP BY agent_id, hour, bin
    UNION ALL
    SELECT agent_id, hour, 'total', analytics_bin(total_ms), COUNT(*) FROM runs WHERE total_ms IS NOT NULL GROUP BY agent_id, hour, analytics_bin(total_ms)
  ), latency AS (
    INSERT INTO analytics_latency AS l (agent_id, hour, first_token, total)
    SELECT agent_id, hour, COALESCE(jsonb_object_agg(bin, n) FILTER (WHERE metric = 'first_token'), '{}'),
      COALESCE(jsonb_object_agg(bin, n) FILTER (WHERE metric = 'total'), '{}')
    FROM bins GROUP BY agent_id, hour
    ON CONFLICT (agent_id, hour) DO UPDATE SET first_token = analytics_merge(l.first_token, excluded.first_token), total = analytics_merge(l.total, excluded.total)
  ), uses AS (
    INSERT INTO analytics_uses AS u (agent_id, hour, kind, name, uses, errors)
    SELECT agent_id, hour, 'tool', call ->> 'tool_name', COUNT(*), COUNT(*) FILTER (WHERE (call ->> 'is_error')::boolean)
    FROM runs, jsonb_array_elements(runs.tool_calls) AS call GROUP BY agent_id, hour, call ->> 'tool_name'
    UNION ALL
    SELECT agent_id, hour, 'source', source, COUNT(*), 0 FROM runs, jsonb_array_elements_text(runs.cited_sources) AS source GROUP BY agent_id, hour, source
    ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = u.uses + excluded.uses, errors = u.errors + excluded.errors
  )
  SELECT
$$;

CREATE FUNCTION analytics_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows WHERE status <> 'running') THEN
    PERFORM analytics_count_runs(ARRAY(SELECT ROW(n.*)::traces FROM new_rows n WHERE n.status <> 'running'));
  END IF;
  RETURN NULL;
END $$;

-- Once, when a run leaves `running` (finishRun's upsert of a written start is an update too); an
-- interrupted run that finishes after all keeps being counted as interrupted.
CREATE FUNCTION analytics_count_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o USING (trace_id) WHERE o.status = 'running' AND n.status <> 'running') THEN
    PERFORM analytics_count_runs(ARRAY(SELECT ROW(n.*)::traces FROM new_rows n JOIN old_rows o USING (trace_id) WHERE o.status = 'running' AND n.status <> 'running'));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER analytics_count_inserted AFTER INSERT ON traces
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_count_inserted();
CREATE TRIGGER analytics_count_finished AFTER UPDATE ON traces
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_count_finished();

-- Ratings, on the hour, scope and version of the run that wrote the answer. A new rating adds;
-- a changed or removed one (with its message, or its agent) moves or takes back, updating only:
-- the row exists since the rating was counted, and an agent being deleted gets no new row.
CREATE FUNCTION analytics_count_rating() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  up integer := 0;
  down integer := 0;
  run record;
BEGIN
  IF TG_OP <> 'DELETE' THEN
    up := up + (NEW.rating = 'up')::integer;
    down := down + (NEW.rating = 'down')::integer;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    up := up - (OLD.rating = 'up')::integer;
    down := down - (OLD.rating = 'down')::integer;
  END IF;
  IF up = 0 AND down = 0 THEN RETURN NULL; END IF;
  SELECT agent_id, date_trunc('hour', started_at, 'UTC') AS hour, scope, version INTO run
  FROM traces WHERE trace_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.trace_id ELSE NEW.trace_id END;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO analytics_hours AS h (agent_id, hour, scope, version, feedback_up, feedback_down) VALUES (run.agent_id, run.hour, run.scope, run.version, up, down)
    ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET feedback_up = h.feedback_up + excluded.feedback_up, feedback_down = h.feedback_down + excluded.feedback_down;
  ELSE
    UPDATE analytics_hours SET feedback_up = feedback_up + up, feedback_down = feedback_down + down
    WHERE agent_id = run.agent_id AND hour = run.hour AND scope = run.scope AND version = run.version;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER analytics_count_rating AFTER INSERT OR UPDATE OF rating OR DELETE ON feedback
  FOR EACH ROW EXECUTE FUNCTION analytics_count_rating();

-- The traces stored so far, a day at a time, oldest first (a conversation counts in the hour of its first run).
DO $$
DECLARE
  day timestamptz;
BEGIN
  FOR day IN SELECT DISTINCT date_trunc('day', started_at, 'UTC') FROM traces WHERE status <> 'running' ORDER BY 1 LOOP
    PERFORM analytics_count_runs(ARRAY(
      SELECT t FROM traces t WHERE t.status <> 'running' AND t.started_at >= day AND t.started_at < day + interval '1 day'));
  END LOOP;
END $$;

-- The ratings stored so far.
INSERT INTO analytics_hours AS h (agent_id, hour, scope, version, feedback_up, feedback_down)
  SELECT t.agent_id, date_trunc('hour', t.started_at, 'UTC'), t.scope, t.version, COUNT(*) FILTER (WHERE f.rating = 'up'), COUNT(*) FILTER (WHERE f.rating = 'down')
  FROM feedback f JOIN traces t ON t.trace_id = f.trace_id GROUP BY 1, 2, 3, 4
  ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET feedback_up = h.feedback_up + excluded.feedback_up, feedback_down = h.feedback_down + excluded.feedback_down;
