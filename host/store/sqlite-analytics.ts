/**
 * Analytics on SQLite: aggregates over the traces of a start-time range, read in one
 * transaction. For one agent the range is a scan of traces_for_analytics (migration 014), which
 * holds every column read but the tool calls; for all agents, of traces_by_start and the table.
 * SQLite has no percentile aggregate: a percentile is the row at its nearest-rank offset of the
 * times in order, after a count.
 */
import { bucketChars, bucketStart, type CountsRow, countsColumns, nearestRank, toCounts } from './analytics.ts'
import type { Db } from './db.ts'
import type { AnalyticsRange, AnalyticsStore, PercentilesRecord } from './store.ts'

type Params = { agent_id?: string; from: string; to: string; chars: number; limit: number }

const TIMES = ['first_token_ms', 'total_ms'] as const

export function createAnalyticsStore(db: Db): AnalyticsStore {
  const statements = new Map<string, ReturnType<typeof prepare>>()

  function prepare(oneAgent: boolean) {
    const where = `WHERE ${oneAgent ? 'agent_id = @agent_id AND ' : ''}started_at >= @from AND started_at < @to`
    const percentile = (column: string) => ({
      count: db.prepare<Params, number>(`SELECT COUNT(${column}) FROM traces ${where}`).pluck(),
      at: db
        .prepare<Params & { offset: number }, number>(
          `SELECT ${column} FROM traces ${where} AND ${column} IS NOT NULL ORDER BY ${column} LIMIT 1 OFFSET @offset`,
        )
        .pluck(),
    })
    return {
      totals: db.prepare<Params, CountsRow>(`SELECT ${countsColumns('')} FROM traces ${where}`),
      series: db.prepare<Params, CountsRow & { bucket: string }>(
        `SELECT substr(started_at, 1, @chars) AS bucket, ${countsColumns('')} FROM traces ${where} GROUP BY bucket ORDER BY bucket`,
      ),
      byScope: db.prepare<Params, CountsRow & { scope: string }>(
        `SELECT scope, ${countsColumns('')} FROM traces ${where} GROUP BY scope ORDER BY runs DESC, scope`,
      ),
      byVersion: db.prepare<Params, CountsRow & { agent_id: string; version: number }>(
        `SELECT agent_id, version, ${countsColumns('')} FROM traces ${where} GROUP BY agent_id, version ORDER BY agent_id, version`,
      ),
      tools: db.prepare<Params, { name: string; calls: number; errors: number }>(
        `SELECT call.value ->> 'tool_name' AS name, COUNT(*) AS calls, COALESCE(SUM(call.value ->> 'is_error'), 0) AS errors
         FROM traces, json_each(traces.tool_calls) AS call ${where}
         GROUP BY name ORDER BY calls DESC, name LIMIT @limit`,
      ),
      first_token_ms: percentile('first_token_ms'),
      total_ms: percentile('total_ms'),
    }
  }

  const statementsFor = (oneAgent: boolean) => {
    const key = String(oneAgent)
    let found = statements.get(key)
    if (!found) statements.set(key, (found = prepare(oneAgent)))
    return found
  }

  const read = db.transaction((range: AnalyticsRange, toolLimit: number) => {
    const sql = statementsFor(range.agentId !== undefined)
    const params: Params = { from: range.from, to: range.to, chars: bucketChars(range.bucket), limit: toolLimit }
    if (range.agentId !== undefined) params.agent_id = range.agentId
    const percentiles = (column: (typeof TIMES)[number]): PercentilesRecord => {
      const n = sql[column].count.get(params) ?? 0
      const at = (p: number) => (n === 0 ? null : (sql[column].at.get({ ...params, offset: nearestRank(p, n) }) ?? null))
      return { p50: at(0.5), p95: at(0.95) }
    }
    return {
      totals: { ...toCounts(sql.totals.get(params)!), firstTokenMs: percentiles('first_token_ms'), totalMs: percentiles('total_ms') },
      series: sql.series.all(params).map((row) => ({ start: bucketStart(row.bucket), ...toCounts(row) })),
      byScope: sql.byScope.all(params).map((row) => ({ scope: row.scope, ...toCounts(row) })),
      byVersion: sql.byVersion.all(params).map((row) => ({ agentId: row.agent_id, version: row.version, ...toCounts(row) })),
      tools: sql.tools.all(params),
    }
  })

  return {
    async analytics(range, toolLimit) {
      return read(range, toolLimit)
    },
  }
}
