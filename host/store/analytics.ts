/**
 * What both stores' analytics share. Both read the hourly rollup (SQLite migrations 017 and 018,
 * PostgreSQL 010 and 011), which triggers on traces and feedback keep as runs finish and answers are rated; the
 * database sums the hours into buckets, and the few rows that remain (at most one per bucket,
 * agent, scope and version) are added up here into totals, series and splits.
 */
import type { AnalyticsCountsRecord, AnalyticsRange, AnalyticsRecord, FinishedRun, PercentilesRecord } from './store.ts'

/**
 * The titles of the knowledge sources a run's answer came with (those its searches showed the
 * model, one each), stored on its trace for the rollup's most used sources.
 */
export function citedSources(run: Pick<FinishedRun, 'messages'>): string[] {
  const titles = new Map<string, string>()
  for (const message of run.messages) for (const source of message.sources ?? []) titles.set(source.source_id, source.title)
  return [...titles.values()]
}

/** One rollup row summed over a bucket, as both stores select it. */
export type RollupRow = {
  bucket: string
  agent_id: string
  scope: string
  version: number
  runs: number
  errors: number
  input_tokens: number
  output_tokens: number
  conversations: number
  visitors: number
  feedback_up: number
  feedback_down: number
}

/** Runs of the range in one bin of a latency histogram. */
export type LatencyRow = { metric: 'first_token' | 'total'; bin: number; runs: number }

export type RefusalRow = { bucket: string; refusals: number }

export type UseRow = { name: string; uses: number; errors: number }

/**
 * The bin of a time in ms: 0 below 1 ms, else 1 + floor(4·log2(ms)), at most 83 (from 2^20.5 ms,
 * about 25 minutes, on). The migrations' SQL computes the same; 1e-9 keeps exact powers of two
 * in their bin in both databases.
 */
export const LATENCY_BINS = 84
export const latencyBin = (ms: number) => (ms < 1 ? 0 : Math.min(1 + Math.floor(4 * Math.log2(ms) + 1e-9), LATENCY_BINS - 1))

/**
 * The time a bin stands for: the geometric middle of its quarter octave, rounded to a ms. A
 * percentile read from the histogram is within 2^(1/8) (9.1 %, plus the rounding) of the
 * nearest-rank one of the times themselves, from 1 ms to 25 minutes; below 1 ms it reads 0.
 */
export const binValue = (bin: number) => (bin === 0 ? 0 : Math.round(2 ** ((bin - 0.5) / 4)))

/** Characters of a UTC ISO time that name its bucket: `2026-12-07` by day, `2026-12-07T05` by hour. */
export const bucketChars = (bucket: AnalyticsRange['bucket']) => (bucket === 'day' ? 10 : 13)

/** A bucket key back to the bucket's first instant. */
export const bucketStart = (key: string) => (key.length === 10 ? `${key}T00:00:00.000Z` : `${key}:00:00.000Z`)

/** The 0-based position of the nearest-rank percentile `p` among `n` sorted values. */
export const nearestRank = (p: number, n: number) => Math.max(Math.ceil(p * n) - 1, 0)

const zero = (): AnalyticsCountsRecord => ({
  conversations: 0,
  visitors: 0,
  runs: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  feedbackUp: 0,
  feedbackDown: 0,
})

function addRollup(to: AnalyticsCountsRecord, row: RollupRow) {
  to.conversations += Number(row.conversations)
  to.visitors += Number(row.visitors)
  to.runs += Number(row.runs)
  to.errors += Number(row.errors)
  to.inputTokens += Number(row.input_tokens)
  to.outputTokens += Number(row.output_tokens)
  to.feedbackUp += Number(row.feedback_up)
  to.feedbackDown += Number(row.feedback_down)
}

/** Counts kept by a key, in first-seen order. */
class Slices<T extends object> {
  readonly rows = new Map<string, AnalyticsCountsRecord & T>()
  at(key: string, fields: T) {
    let found = this.rows.get(key)
    if (!found) this.rows.set(key, (found = { ...fields, ...zero() }))
    return found
  }
}

function percentiles(histogram: number[]): PercentilesRecord {
  const n = histogram.reduce((sum, count) => sum + count, 0)
  const at = (p: number) => {
    if (n === 0) return null
    let rank = nearestRank(p, n) + 1
    for (let bin = 0; bin < histogram.length; bin++) {
      rank -= histogram[bin]!
      if (rank <= 0) return binValue(bin)
    }
    return null
  }
  return { p50: at(0.5), p95: at(0.95) }
}

export type AnalyticsRows = {
  rollup: RollupRow[]
  latency: LatencyRow[]
  refusals: RefusalRow[]
  tools: UseRow[]
  sources: UseRow[]
}

/** The report from the rows a store read. */
export function assembleAnalytics(rows: AnalyticsRows): AnalyticsRecord {
  const totals = zero()
  const series = new Slices<{ start: string; refusals: number }>()
  const byScope = new Slices<{ scope: string }>()
  const byVersion = new Slices<{ agentId: string; version: number }>()
  const byAgent = new Slices<{ agentId: string }>()
  const slicesOf = (row: RollupRow) => [
    series.at(row.bucket, { start: bucketStart(row.bucket), refusals: 0 }),
    byScope.at(row.scope, { scope: row.scope }),
    byVersion.at(`${row.agent_id} ${row.version}`, { agentId: row.agent_id, version: Number(row.version) }),
    byAgent.at(row.agent_id, { agentId: row.agent_id }),
  ]
  for (const row of rows.rollup) for (const slice of [totals, ...slicesOf(row)]) addRollup(slice, row)
  let refusals = 0
  for (const row of rows.refusals) {
    series.at(row.bucket, { start: bucketStart(row.bucket), refusals: 0 }).refusals += Number(row.refusals)
    refusals += Number(row.refusals)
  }
  const histograms = { first_token: new Array<number>(LATENCY_BINS).fill(0), total: new Array<number>(LATENCY_BINS).fill(0) }
  for (const row of rows.latency) histograms[row.metric][Number(row.bin)]! += Number(row.runs)
  const { first_token: firstToken, total } = histograms
  return {
    totals: { ...totals, refusals, firstTokenMs: percentiles(firstToken), totalMs: percentiles(total) },
    series: [...series.rows.values()].sort((a, b) => a.start.localeCompare(b.start)),
    byScope: [...byScope.rows.values()].sort((a, b) => b.runs - a.runs || a.scope.localeCompare(b.scope)),
    byVersion: [...byVersion.rows.values()].sort((a, b) => a.agentId.localeCompare(b.agentId) || a.version - b.version),
    byAgent: [...byAgent.rows.values()].sort((a, b) => b.runs - a.runs || a.agentId.localeCompare(b.agentId)),
    tools: rows.tools.map((row) => ({ name: row.name, calls: Number(row.uses), errors: Number(row.errors) })),
    sources: rows.sources.map((row) => ({ title: row.name, citations: Number(row.uses) })),
  }
}
