/**
 * What both stores' analytics share: the aggregate columns they select, the bucket keys they
 * group by and how rows become records.
 */
import type { AnalyticsCountsRecord, AnalyticsRange } from './store.ts'

/** One aggregate row as both stores select it (PostgreSQL casts to float8 so its driver gives numbers). */
export type CountsRow = { conversations: number; runs: number; errors: number; input_tokens: number | null; output_tokens: number | null }

/**
 * The aggregate columns, the same SQL in both stores. A conversation is a session: its key is
 * (agent, scope, session id), joined with a separator neither ids nor scopes contain.
 */
export const countsColumns = (cast: string) => `
  COUNT(DISTINCT agent_id || ' ' || scope || ' ' || session_id)${cast} AS conversations,
  COUNT(*)${cast} AS runs,
  COUNT(*) FILTER (WHERE status IN ('error', 'interrupted'))${cast} AS errors,
  SUM(input_tokens)${cast} AS input_tokens,
  SUM(output_tokens)${cast} AS output_tokens`

export const toCounts = (row: CountsRow): AnalyticsCountsRecord => ({
  conversations: Number(row.conversations),
  runs: Number(row.runs),
  errors: Number(row.errors),
  inputTokens: Number(row.input_tokens ?? 0),
  outputTokens: Number(row.output_tokens ?? 0),
})

/** Characters of a UTC ISO time that name its bucket: `2026-12-07` by day, `2026-12-07T05` by hour. */
export const bucketChars = (bucket: AnalyticsRange['bucket']) => (bucket === 'day' ? 10 : 13)

/** A bucket key back to the bucket's first instant. */
export const bucketStart = (key: string) => (key.length === 10 ? `${key}T00:00:00.000Z` : `${key}:00:00.000Z`)

/** The 0-based position of the nearest-rank percentile `p` among `n` sorted values. */
export const nearestRank = (p: number, n: number) => Math.max(Math.ceil(p * n) - 1, 0)
