/**
 * Analytics on PostgreSQL: the hourly rollup of migrations 010 and 011 (kept by triggers on traces and
 * feedback) summed into buckets, read in one read-only repeatable-read transaction (one
 * snapshot for every slice).
 */
import { type AnalyticsRows, assembleAnalytics, type LatencyRow, type RefusalRow, type RollupRow, type UseRow } from '../analytics.ts'
import type { AnalyticsStore } from '../store.ts'
import type { Sql } from './connection.ts'
import { type Db, type Param, query } from './rows.ts'

/** to_char formats whose output is the bucket key analytics.ts reads back. */
const BUCKET_FORMAT = { day: 'YYYY-MM-DD', hour: 'YYYY-MM-DD"T"HH24' } as const

export function createAnalyticsStore(sql: Sql): AnalyticsStore {
  return {
    async analytics(range, limit) {
      const params: Param[] = [range.from, range.to]
      if (range.agentId !== undefined) params.push(range.agentId)
      const oneAgent = range.agentId !== undefined
      const hours = (alias: string) => `WHERE ${oneAgent ? `${alias}.agent_id = $3 AND ` : ''}${alias}.hour >= $1 AND ${alias}.hour < $2`
      const bucket = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', '${BUCKET_FORMAT[range.bucket]}')`
      const uses = (tx: Db, kind: 'tool' | 'source') =>
        query<UseRow>(
          tx,
          `SELECT name, SUM(uses)::float8 AS uses, SUM(errors)::float8 AS errors FROM analytics_uses u ${hours('u')} AND kind = '${kind}'
           GROUP BY name ORDER BY uses DESC, name LIMIT ${Math.trunc(limit)}`,
          params,
        )
      const rows = (await sql.begin('isolation level repeatable read read only', async (tx) => ({
        // Grouped by the bucket's instant, formatted once per group, summed as float8 (exact to
        // 2^53; SUM of bigint is numeric, slower): every agent's month reads 300k rows at 1M traces.
        rollup: await query<RollupRow>(
          tx,
          `SELECT ${bucket('b')} AS bucket, agent_id, scope, version, runs, errors, input_tokens, output_tokens, conversations, visitors, feedback_up, feedback_down
           FROM (SELECT ${range.bucket === 'day' ? "date_trunc('day', h.hour, 'UTC')" : 'h.hour'} AS b, agent_id, scope, version,
               SUM(runs::float8) AS runs, SUM(errors::float8) AS errors, SUM(input_tokens::float8) AS input_tokens, SUM(output_tokens::float8) AS output_tokens,
               SUM(conversations::float8) AS conversations, SUM(visitors::float8) AS visitors,
               SUM(feedback_up::float8) AS feedback_up, SUM(feedback_down::float8) AS feedback_down
             FROM analytics_hours h ${hours('h')} GROUP BY 1, agent_id, scope, version) AS s`,
          params,
        ),
        // The histograms added up by the database: one row per bin, not one per agent and hour.
        latency: await query<LatencyRow>(
          tx,
          `SELECT metric, bin, SUM(runs)::float8 AS runs FROM analytics_latency_bins l ${hours('l')} GROUP BY metric, bin`,
          params,
        ),
        refusals: await query<RefusalRow>(
          tx,
          `SELECT ${bucket('r.hour')} AS bucket, SUM(refusals)::float8 AS refusals FROM analytics_refusals r ${hours('r')} GROUP BY bucket`,
          params,
        ),
        tools: await uses(tx, 'tool'),
        sources: await uses(tx, 'source'),
      }))) as AnalyticsRows
      return assembleAnalytics(rows)
    },
    async addRefusals(counts) {
      if (counts.length === 0) return
      // One statement: each row's add is atomic, so hosts sharing the database add up.
      await query(
        sql,
        `INSERT INTO analytics_refusals AS r (agent_id, hour, refusals)
         SELECT c.agent_id, c.hour, SUM(c.refusals) FROM json_to_recordset($1::text::json) AS c (agent_id text, hour timestamptz, refusals bigint)
         WHERE EXISTS (SELECT 1 FROM agents a WHERE a.id = c.agent_id) GROUP BY c.agent_id, c.hour
         ON CONFLICT (agent_id, hour) DO UPDATE SET refusals = r.refusals + excluded.refusals`,
        [JSON.stringify(counts.map((c) => ({ agent_id: c.agentId, hour: c.hour, refusals: c.refusals })))],
      )
    },
  }
}
