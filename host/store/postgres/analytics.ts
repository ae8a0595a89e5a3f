/**
 * Analytics on PostgreSQL: aggregates over the traces of a start-time range, read in one
 * read-only repeatable-read transaction (one snapshot for every slice). For one agent the range
 * is an index-only scan of traces_for_analytics (migration 007); for all agents, of
 * traces_by_start and the table. Percentiles are percentile_disc (nearest rank).
 */
import { bucketStart, type CountsRow, countsColumns, toCounts } from '../analytics.ts'
import type { AnalyticsStore } from '../store.ts'
import type { Sql } from './connection.ts'
import { type Param, query } from './rows.ts'

const COUNTS = countsColumns('::float8')
/** to_char formats whose output is the bucket key analytics.ts reads back. */
const BUCKET_FORMAT = { day: 'YYYY-MM-DD', hour: 'YYYY-MM-DD"T"HH24' } as const

export function createAnalyticsStore(sql: Sql): AnalyticsStore {
  return {
    async analytics(range, toolLimit) {
      const params: Param[] = [range.from, range.to]
      if (range.agentId !== undefined) params.push(range.agentId)
      const where = `WHERE ${range.agentId !== undefined ? 'agent_id = $3 AND ' : ''}started_at >= $1 AND started_at < $2`
      return sql.begin('isolation level repeatable read read only', async (tx) => {
        const [totals] = await query<CountsRow & { ttft_p50: number | null; ttft_p95: number | null; total_p50: number | null; total_p95: number | null }>(
          tx,
          `SELECT ${COUNTS},
             percentile_disc(0.5) WITHIN GROUP (ORDER BY first_token_ms) AS ttft_p50,
             percentile_disc(0.95) WITHIN GROUP (ORDER BY first_token_ms) AS ttft_p95,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY total_ms) AS total_p50,
             percentile_disc(0.95) WITHIN GROUP (ORDER BY total_ms) AS total_p95
           FROM traces ${where}`,
          params,
        )
        const series = await query<CountsRow & { bucket: string }>(
          tx,
          `SELECT to_char(started_at AT TIME ZONE 'UTC', '${BUCKET_FORMAT[range.bucket]}') AS bucket, ${COUNTS}
           FROM traces ${where} GROUP BY bucket ORDER BY bucket`,
          params,
        )
        const byScope = await query<CountsRow & { scope: string }>(
          tx,
          `SELECT scope, ${COUNTS} FROM traces ${where} GROUP BY scope ORDER BY runs DESC, scope`,
          params,
        )
        const byVersion = await query<CountsRow & { agent_id: string; version: number }>(
          tx,
          `SELECT agent_id, version, ${COUNTS} FROM traces ${where} GROUP BY agent_id, version ORDER BY agent_id, version`,
          params,
        )
        const tools = await query<{ name: string; calls: number; errors: number }>(
          tx,
          `SELECT call.value ->> 'tool_name' AS name, COUNT(*)::float8 AS calls,
             COUNT(*) FILTER (WHERE (call.value ->> 'is_error')::boolean)::float8 AS errors
           FROM traces, jsonb_array_elements(traces.tool_calls) AS call (value) ${where}
           GROUP BY name ORDER BY calls DESC, name LIMIT ${Math.trunc(toolLimit)}`,
          params,
        )
        return {
          totals: {
            ...toCounts(totals!),
            firstTokenMs: { p50: totals!.ttft_p50, p95: totals!.ttft_p95 },
            totalMs: { p50: totals!.total_p50, p95: totals!.total_p95 },
          },
          series: series.map((row) => ({ start: bucketStart(row.bucket), ...toCounts(row) })),
          byScope: byScope.map((row) => ({ scope: row.scope, ...toCounts(row) })),
          byVersion: byVersion.map((row) => ({ agentId: row.agent_id, version: row.version, ...toCounts(row) })),
          tools,
        }
      })
    },
  }
}
