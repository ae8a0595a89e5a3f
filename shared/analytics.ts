/**
 * The owner's analytics, GET /api/v1/analytics: counts over a range of run start times (whole
 * UTC hours: the host widens `from` down and `to` up to the hour), per agent or across the agents
 * a key reaches, as a time series and split by access scope (share link, key, public, try), by
 * agent version and by agent. The host parses the query with `AnalyticsQuerySchema`; the console
 * may parse the reply with `AnalyticsReportSchema` (readers tolerate unknown fields).
 */
import { z } from 'zod'

export const ANALYTICS = {
  /** Widest range one request may cover: 400 days by day, 14 days by hour (336 points). */
  maxDays: { day: 400, hour: 14 },
  /** Tools and knowledge sources listed, the most used first. */
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
  /** Conversations (sessions) whose first run started in the slice: each is counted once, where it began. */
  conversations: z.number().int(),
  /**
   * Visitors first seen in the slice, counted once, where first seen. A visitor is the signed-in
   * user when the run carries one, else the session (one per browser and chat, until the
   * visitor starts a new chat).
   */
  visitors: z.number().int(),
  /** Runs: one visitor message and the agent's answer to it. */
  runs: z.number().int(),
  /** Runs that ended in an error (the model or a tool failed, or the host stopped during it). */
  errors: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  /** Answers of the slice's runs that visitors rated, up and down. */
  feedback_up: z.number().int(),
  feedback_down: z.number().int(),
  /** up / (up + down), 0–1; null without ratings. */
  satisfaction: z.number().nullable(),
})
export type AnalyticsCounts = z.infer<typeof AnalyticsCountsSchema>

/**
 * Percentiles of the finished runs that have the time, from a histogram of quarter-octave bins:
 * within 9.1 % of the nearest-rank value (plus rounding to a ms); null when no run has the time.
 */
export const PercentilesSchema = z.object({ p50: z.number().nullable(), p95: z.number().nullable() })

export const AnalyticsReportSchema = z.object({
  agent_id: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  group: z.enum(['day', 'hour']),
  totals: AnalyticsCountsSchema.extend({
    /** Messages refused by a rate limit (429), counted per agent; hosts write them in batches, up to 15 s late. */
    rate_limited: z.number().int(),
    first_token_ms: PercentilesSchema,
    total_ms: PercentilesSchema,
  }),
  /** Only buckets with runs or refusals, oldest first; `start` is the bucket's first instant (UTC). */
  series: z.array(AnalyticsCountsSchema.extend({ start: z.string(), rate_limited: z.number().int() })),
  /** `public`, `link:<id>`, `key:<id>` or `try`, the most runs first. */
  by_scope: z.array(AnalyticsCountsSchema.extend({ scope: z.string(), link_id: z.string().nullable() })),
  by_version: z.array(AnalyticsCountsSchema.extend({ agent_id: z.string(), version: z.number().int() })),
  /** The most runs first. */
  by_agent: z.array(AnalyticsCountsSchema.extend({ agent_id: z.string() })),
  tools: z.array(z.object({ name: z.string(), calls: z.number().int(), errors: z.number().int() })),
  /** The knowledge sources (by title) the answers came with most, the most first. */
  sources: z.array(z.object({ title: z.string(), citations: z.number().int() })),
})
export type AnalyticsReport = z.infer<typeof AnalyticsReportSchema>

/** The range the host counts: `from` down and `to` up to whole UTC hours, as ISO strings with milliseconds. */
export function wholeHours(from: string, to: string): { from: string; to: string } {
  const hour = 3_600_000
  return {
    from: new Date(Math.floor(Date.parse(from) / hour) * hour).toISOString(),
    to: new Date(Math.ceil(Date.parse(to) / hour) * hour).toISOString(),
  }
}
