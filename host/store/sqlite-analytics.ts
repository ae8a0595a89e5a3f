/**
 * Analytics on SQLite: the hourly rollup of migrations 017 and 018 (kept by triggers on traces and
 * feedback) summed into buckets, read in one transaction. For one agent every read walks its primary key's (agent, hour) range; for all
 * agents, the tables' hour indexes, and for the latency bins (which have none) each agent's range.
 */
import { type AnalyticsRows, assembleAnalytics, bucketChars, type LatencyRow, type RefusalRow, type RollupRow, type UseRow } from './analytics.ts'
import type { Db } from './db.ts'
import type { AnalyticsRange, AnalyticsStore, RefusalCount } from './store.ts'

type Params = { agent_id?: string; from: string; to: string; chars: number; limit: number }

export function createAnalyticsStore(db: Db): AnalyticsStore {
  const statements = new Map<boolean, ReturnType<typeof prepare>>()

  function prepare(oneAgent: boolean) {
    const agent = (table: string) => (oneAgent ? `${table}.agent_id = @agent_id AND ` : '')
    const hours = (table: string) => `WHERE ${agent(table)}${table}.hour >= @from AND ${table}.hour < @to`
    const uses = (kind: 'tool' | 'source') =>
      db.prepare<Params, UseRow>(
        `SELECT name, SUM(uses) AS uses, SUM(errors) AS errors FROM analytics_uses ${hours('analytics_uses')} AND kind = '${kind}'
         GROUP BY name ORDER BY uses DESC, name LIMIT @limit`,
      )
    return {
      rollup: db.prepare<Params, RollupRow>(
        `SELECT substr(hour, 1, @chars) AS bucket, agent_id, scope, version, SUM(runs) AS runs, SUM(errors) AS errors,
           SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(conversations) AS conversations, SUM(visitors) AS visitors,
           SUM(feedback_up) AS feedback_up, SUM(feedback_down) AS feedback_down
         FROM analytics_hours ${hours('analytics_hours')} GROUP BY bucket, agent_id, scope, version`,
      ),
      // Every agent's bins one agent at a time (CROSS JOIN keeps agents outside): a seek into the
      // primary key per agent, where an hour index holding the count would cost each run a write.
      latency: db.prepare<Params, LatencyRow>(
        `SELECT metric, bin, SUM(runs) AS runs FROM ${oneAgent ? '' : 'agents CROSS JOIN '}analytics_latency_bins ${hours('analytics_latency_bins')}
         ${oneAgent ? '' : 'AND analytics_latency_bins.agent_id = agents.id'} GROUP BY metric, bin`,
      ),
      refusals: db.prepare<Params, RefusalRow>(
        `SELECT substr(hour, 1, @chars) AS bucket, SUM(refusals) AS refusals FROM analytics_refusals ${hours('analytics_refusals')} GROUP BY bucket`,
      ),
      tools: uses('tool'),
      sources: uses('source'),
    }
  }

  const statementsFor = (oneAgent: boolean) => {
    let found = statements.get(oneAgent)
    if (!found) statements.set(oneAgent, (found = prepare(oneAgent)))
    return found
  }

  const read = db.transaction((range: AnalyticsRange, limit: number): AnalyticsRows => {
    const sql = statementsFor(range.agentId !== undefined)
    const params: Params = { from: range.from, to: range.to, chars: bucketChars(range.bucket), limit }
    if (range.agentId !== undefined) params.agent_id = range.agentId
    return {
      rollup: sql.rollup.all(params),
      latency: sql.latency.all(params),
      refusals: sql.refusals.all(params),
      tools: sql.tools.all(params),
      sources: sql.sources.all(params),
    }
  })

  const addRefusal = db.prepare<{ agentId: string; hour: string; refusals: number }>(
    `INSERT INTO analytics_refusals (agent_id, hour, refusals) SELECT @agentId, @hour, @refusals WHERE EXISTS (SELECT 1 FROM agents WHERE id = @agentId)
     ON CONFLICT (agent_id, hour) DO UPDATE SET refusals = refusals + excluded.refusals`,
  )
  const addRefusals = db.transaction((counts: RefusalCount[]) => {
    for (const count of counts) addRefusal.run(count)
  })

  return {
    async analytics(range, limit) {
      return assembleAnalytics(read(range, limit))
    },
    async addRefusals(counts) {
      if (counts.length > 0) addRefusals.immediate(counts)
    },
  }
}
