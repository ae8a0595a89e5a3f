-- The analytics rollup of 010, counted for less, as SQLite's migration 018 (the same tables, so a
-- store copy carries them as they are): the latency histograms as integer rows, one per agent,
-- hour, metric and bin, added to instead of two jsonb objects merged per statement; one
-- `analytics_seen` row per key, flagged as a conversation and/or a visitor, so a new anonymous
-- run (whose visitor is its conversation) claims one row, not two.

CREATE TABLE analytics_latency_bins (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour     timestamptz NOT NULL,
  metric   text NOT NULL CHECK (metric IN ('first_token', 'total')),
  bin      integer NOT NULL,
  runs     bigint NOT NULL,
  PRIMARY KEY (agent_id, hour, metric, bin)
);
-- Without the count, so adding to it stays a heap-only update.
CREATE INDEX analytics_latency_bins_by_hour ON analytics_latency_bins (hour);
INSERT INTO analytics_latency_bins (agent_id, hour, metric, bin, runs)
  SELECT l.agent_id, l.hour, 'first_token', e.key::integer, e.value::bigint FROM analytics_latency l, jsonb_each_text(l.first_token) AS e
  UNION ALL
  SELECT l.agent_id, l.hour, 'total', e.key::integer, e.value::bigint FROM analytics_latency l, jsonb_each_text(l.total) AS e;
DROP TABLE analytics_latency;

ALTER TABLE analytics_seen RENAME TO analytics_seen_010;
ALTER TABLE analytics_seen_010 RENAME CONSTRAINT analytics_seen_pkey TO analytics_seen_010_pkey;
CREATE TABLE analytics_seen (
  agent_id     text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  key          text NOT NULL,
  conversation boolean NOT NULL,
  visitor      boolean NOT NULL,
  PRIMARY KEY (agent_id, key)
);
INSERT INTO analytics_seen (agent_id, key, conversation, visitor)
  SELECT agent_id, key, bool_or(kind = 'c'), bool_or(kind = 'v') FROM analytics_seen_010 GROUP BY agent_id, key;
DROP TABLE analytics_seen_010;

DROP FUNCTION analytics_merge(jsonb, jsonb);
DROP FUNCTION analytics_bin(double precision);
CREATE FUNCTION analytics_bin(ms double precision) RETURNS integer LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN ms < 1 THEN 0 ELSE least(1 + floor(4 * ln(ms) / ln(2) + 1e-9)::integer, 83) END $$;

-- Counts a set of finished runs (the triggers of 010 call it), now in PL/pgSQL with one generic
-- plan kept from call to call: as 010's SQL function its statement was planned on every call,
-- ~1.2 ms of a finishRun whose other statements take 0.3 ms (BENCHMARKS.md#analytics-triggers);
-- the function's SET keeps plan_cache_mode to itself, and JIT off (a 100,000-trace statement spent
-- 1.6 s of its 6.5 s compiling). A conversation (and a visitor) counts in
-- the hour, scope and version of its first run, once: its seen flag is claimed first, so of two
-- transactions finishing runs of a new conversation at once, the second waits on the first's key
-- and finds it taken. A new key that is also a visitor of the batch (an anonymous run's
-- conversation) is claimed as both in one insert (`xmax = 0`: the row was inserted, not
-- updated); the visitors whose keys that insert did not return are claimed next, on their own rows.
CREATE OR REPLACE FUNCTION analytics_count_runs(batch traces[]) RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan SET jit = off AS $$
BEGIN
  -- A statement that writes many finished traces at once gets a plan made for its size: the
  -- generic one expects a few rows, and its nested loops over the batch would take quadratic time.
  IF cardinality(batch) > 64 THEN
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
  END IF;
  WITH runs AS (
    SELECT r.*, date_trunc('hour', r.started_at, 'UTC') AS hour, r.scope || ' ' || r.session_id AS conversation,
      COALESCE(r.visitor, r.scope || ' ' || r.session_id) AS visitor_key
    FROM unnest(batch) AS r
  ), first_c AS (
    SELECT DISTINCT ON (agent_id, conversation) agent_id, conversation AS key, hour, scope, version FROM runs ORDER BY agent_id, conversation, started_at, trace_id
  ), first_v AS (
    SELECT DISTINCT ON (agent_id, visitor_key) agent_id, visitor_key AS key, hour, scope, version FROM runs ORDER BY agent_id, visitor_key, started_at, trace_id
  ), claimed_c AS (
    INSERT INTO analytics_seen AS s (agent_id, key, conversation, visitor)
    SELECT c.agent_id, c.key, true, EXISTS (SELECT 1 FROM first_v v WHERE v.agent_id = c.agent_id AND v.key = c.key) FROM first_c c
    ON CONFLICT (agent_id, key) DO UPDATE SET conversation = true WHERE NOT s.conversation
    RETURNING s.agent_id, s.key, s.xmax = 0 AS inserted, s.visitor
  ), claimed_v AS (
    INSERT INTO analytics_seen AS s (agent_id, key, conversation, visitor)
    SELECT v.agent_id, v.key, false, true FROM first_v v WHERE NOT EXISTS (SELECT 1 FROM claimed_c c WHERE c.agent_id = v.agent_id AND c.key = v.key)
    ON CONFLICT (agent_id, key) DO UPDATE SET visitor = true WHERE NOT s.visitor
    RETURNING s.agent_id, s.key
  ), new_v AS (
    SELECT agent_id, key FROM claimed_v UNION ALL SELECT agent_id, key FROM claimed_c WHERE inserted AND visitor
  ), slices AS (
    SELECT agent_id, hour, scope, version, COUNT(*) AS runs, COUNT(*) FILTER (WHERE status IN ('error', 'interrupted')) AS errors,
      SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, 0 AS conversations, 0 AS visitors
    FROM runs GROUP BY agent_id, hour, scope, version
    UNION ALL
    SELECT f.agent_id, f.hour, f.scope, f.version, 0, 0, 0, 0, 1, 0 FROM first_c f JOIN claimed_c n USING (agent_id, key)
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
    SELECT agent_id, hour, 'first_token' AS metric, analytics_bin(first_token_ms) AS bin FROM runs WHERE first_token_ms IS NOT NULL
    UNION ALL
    SELECT agent_id, hour, 'total', analytics_bin(total_ms) FROM runs WHERE total_ms IS NOT NULL
  ), latency AS (
    INSERT INTO analytics_latency_bins AS l (agent_id, hour, metric, bin, runs)
    SELECT agent_id, hour, metric, bin, COUNT(*) FROM bins GROUP BY agent_id, hour, metric, bin
    ON CONFLICT (agent_id, hour, metric, bin) DO UPDATE SET runs = l.runs + excluded.runs
  )
  INSERT INTO analytics_uses AS u (agent_id, hour, kind, name, uses, errors)
  SELECT agent_id, hour, 'tool', call ->> 'tool_name', COUNT(*), COUNT(*) FILTER (WHERE (call ->> 'is_error')::boolean)
  FROM runs, jsonb_array_elements(runs.tool_calls) AS call GROUP BY agent_id, hour, call ->> 'tool_name'
  UNION ALL
  SELECT agent_id, hour, 'source', source, COUNT(*), 0 FROM runs, jsonb_array_elements_text(runs.cited_sources) AS source GROUP BY agent_id, hour, source
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = u.uses + excluded.uses, errors = u.errors + excluded.errors;
END $$;
