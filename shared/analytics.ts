/**
 * The owner's analytics, GET /api/v1/analytics: counts over a range of run start times, per
 * agent or across the agents a key reaches, as a time series and split by access scope (share
 * link, key, public, try) and by agent version. The host parses the query with
 * `AnalyticsQuerySchema`; the console may parse the reply with `AnalyticsReportSchema` (readers
 * tolerate unknown fields, so later fields such as feedback and visitors can be added).
 */
import { z } from 'zod'

export const ANALYTICS = {
  /** Widest range one request may cover: 400 days by day, 14 days by hour (336 points). */
  maxDays: { day: 400, hour: 14 },
  /** Tools listed, the most used first. */
  topTools: 10,
} as const

const iso = z.iso.datetime({ offset: true })

export const AnalyticsQuerySchema = z
  .object({
    agent_id: z.uuid().optional(),
    from: iso,
    to: iso,
    group: z.enum(['day', 'hour']).default('day'),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= ANALYTICS.maxDays[q.group] * 86_400_000, {
    message: `the range is too wide: at most ${ANALYTICS.maxDays.day} days by day, ${ANALYTICS.maxDays.hour} by hour`,
    path: ['to'],
  })
export type AnalyticsQuery = z.infer<typeof AnalyticsQuerySchema>

/** Counts of one slice of runs (a bucket, a scope, a version, or all of them). */
export const AnalyticsCountsSchema = z.object({
  /** Distinct sessions with a run in the slice. */
  conversations: z.number().int(),
  /** Runs: one visitor message and the agent's answer to it. */
  runs: z.number().int(),
  /** Runs that ended in an error (the model or a tool failed, or the host stopped during it). */
  errors: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
})
export type AnalyticsCounts = z.infer<typeof AnalyticsCountsSchema>

/** Nearest-rank percentiles of the finished runs that have the time; null when none has. */
export const PercentilesSchema = z.object({ p50: z.number().nullable(), p95: z.number().nullable() })

export const AnalyticsReportSchema = z.object({
  agent_id: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  group: z.enum(['day', 'hour']),
  totals: AnalyticsCountsSchema.extend({
    first_token_ms: PercentilesSchema,
    total_ms: PercentilesSchema,
  }),
  /** Only buckets with runs, oldest first; `start` is the bucket's first instant (UTC). */
  series: z.array(AnalyticsCountsSchema.extend({ start: z.string() })),
  /** `public`, `link:<id>`, `key:<id>` or `try`, the most runs first. */
  by_scope: z.array(AnalyticsCountsSchema.extend({ scope: z.string(), link_id: z.string().nullable() })),
  by_version: z.array(AnalyticsCountsSchema.extend({ agent_id: z.string(), version: z.number().int() })),
  tools: z.array(z.object({ name: z.string(), calls: z.number().int(), errors: z.number().int() })),
})
export type AnalyticsReport = z.infer<typeof AnalyticsReportSchema>
