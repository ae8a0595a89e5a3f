/**
 * The rollup's latency histogram: the bin function the migrations' SQL computes (the same on
 * SQLite as in TypeScript, so a report never mixes two binnings), and percentiles read from the
 * bins within the documented bound of the exact nearest-rank ones.
 */
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { assembleAnalytics, binValue, LATENCY_BINS, latencyBin, nearestRank } from './analytics.ts'

/** The expression of migrations 017 and 018 (SQLite), for one value. */
const sqliteBin = (() => {
  const db = new Database(':memory:')
  const statement = db
    .prepare<{ ms: number }, number>('SELECT CASE WHEN @ms < 1 THEN 0 ELSE min(1 + CAST(floor(4 * log2(@ms) + 1e-9) AS INTEGER), 83) END')
    .pluck()
  return (ms: number) => statement.get({ ms })!
})()

/** A small deterministic generator, so a failure repeats. */
function* times(n: number, seed = 7) {
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31
    yield 0.5 + (x / 2 ** 31) * 10 ** ((x % 6) + 1)
  }
}

describe('latency bins', () => {
  it('bins every time as the migration’s SQL does, powers of two included', () => {
    const samples = [0, 0.2, 0.999, 1, 2, 4, 8, 16, 1024, 2 ** 20, 2 ** 21, 3_600_000, ...times(2000)]
    for (const ms of samples) expect(latencyBin(ms), String(ms)).toBe(sqliteBin(ms))
    expect(latencyBin(8)).toBe(13)
    expect(latencyBin(10 ** 9)).toBe(LATENCY_BINS - 1)
  })

  it('reads p50 and p95 from the bins within 2^(1/8) (plus rounding) of the exact nearest-rank values', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const values = [...times(5000, seed)].map((ms) => Math.max(ms, 1))
      const histogram: Record<string, number> = {}
      for (const ms of values) histogram[latencyBin(ms)] = (histogram[latencyBin(ms)] ?? 0) + 1
      const report = assembleAnalytics({
        rollup: [],
        latency: Object.entries(histogram).map(([bin, runs]) => ({ metric: 'first_token' as const, bin: Number(bin), runs })),
        refusals: [],
        tools: [],
        sources: [],
      })
      const sorted = [...values].sort((a, b) => a - b)
      for (const p of [0.5, 0.95] as const) {
        const exact = sorted[nearestRank(p, sorted.length)]!
        const read = report.totals.firstTokenMs[p === 0.5 ? 'p50' : 'p95']!
        expect(Math.abs(read - exact), `seed ${seed}, p${p * 100}: ${read} for ${exact}`).toBeLessThanOrEqual(exact * (2 ** (1 / 8) - 1) + 0.5)
      }
      expect(report.totals.totalMs).toEqual({ p50: null, p95: null })
    }
    expect(binValue(0)).toBe(0)
  })
})
