/**
 * Owner API, analytics: GET /api/v1/analytics?agent_id=&from=&to=&group=day|hour, counts over the
 * runs started in [from, to), of one agent or of every agent (only a key that reaches every
 * agent may leave agent_id out). The database computes them (Store.analytics).
 */
import { Hono } from 'hono'
import { ANALYTICS, AnalyticsQuerySchema, type AnalyticsReport, wholeHours } from '../../../shared/analytics.ts'
import { reachesAll, requireReach } from '../../auth/owner-auth.ts'
import type { RefusalCounter } from '../../auth/refusal-counts.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError } from '../../http/errors.ts'
import { readQuery } from '../../http/validate.ts'
import { parseScope } from '../../store/scope.ts'
import type { AnalyticsCountsRecord, Store } from '../../store/store.ts'

export type AnalyticsOwnerDeps = {
  store: Store
  /** This host's refusals not written yet: flushed before a report, so it counts them (other hosts' come within their flush interval). */
  refusals?: Pick<RefusalCounter, 'flush'>
}

const countsJson = (counts: AnalyticsCountsRecord) => ({
  conversations: counts.conversations,
  visitors: counts.visitors,
  runs: counts.runs,
  errors: counts.errors,
  input_tokens: counts.inputTokens,
  output_tokens: counts.outputTokens,
  feedback_up: counts.feedbackUp,
  feedback_down: counts.feedbackDown,
  satisfaction: counts.feedbackUp + counts.feedbackDown === 0 ? null : counts.feedbackUp / (counts.feedbackUp + counts.feedbackDown),
})

function linkIdOf(scope: string): string | null {
  const parsed = parseScope(scope)
  return parsed?.kind === 'link' ? parsed.linkId : null
}

export function ownerAnalyticsRoutes({ store, refusals }: AnalyticsOwnerDeps) {
  return new Hono<OwnerEnv>().get('/analytics', async (c) => {
    const query = readQuery(c, AnalyticsQuerySchema)
    const principal = c.get('principal')
    if (query.agent_id) requireReach(principal, query.agent_id)
    else if (!reachesAll(principal)) throw new ApiError(400, 'invalid_request', 'agent_id: a key limited to some agents must name one')
    // The rollup counts by the hour: the range is widened to whole UTC hours, and says so.
    const { from, to } = wholeHours(query.from, query.to)
    await refusals?.flush()
    const report = await store.analytics({ agentId: query.agent_id, from, to, bucket: query.group }, ANALYTICS.topTools)
    const body: AnalyticsReport = {
      agent_id: query.agent_id ?? null,
      from,
      to,
      group: query.group,
      totals: {
        ...countsJson(report.totals),
        rate_limited: report.totals.refusals,
        first_token_ms: report.totals.firstTokenMs,
        total_ms: report.totals.totalMs,
      },
      series: report.series.map((row) => ({ start: row.start, ...countsJson(row), rate_limited: row.refusals })),
      by_scope: report.byScope.map((row) => ({
        scope: row.scope,
        link_id: linkIdOf(row.scope),
        ...countsJson(row),
      })),
      by_version: report.byVersion.map((row) => ({ agent_id: row.agentId, version: row.version, ...countsJson(row) })),
      by_agent: report.byAgent.map((row) => ({ agent_id: row.agentId, ...countsJson(row) })),
      tools: report.tools,
      sources: report.sources,
    }
    return c.json(body, 200)
  })
}
