/**
 * The in-process store benchmarks run on both stores (a few turns, no timing asserted: timings
 * are for BENCHMARKS.md, never for tests), so `npm run bench -- --only=stores` does not find a
 * broken store factory after minutes of load.
 */
import { describe, expect, it } from 'vitest'
import { testPostgres } from '../host/testing/postgres.ts'
import { appendGrowth } from './append-growth.ts'
import { type OpenBenchStore, openSqliteBenchStore, postgresBenchStore } from './bench-store.ts'
import { CHAT_CALLS, storeCallTimes } from './store-calls.ts'

const opener: Record<'sqlite' | 'postgres', () => Promise<OpenBenchStore>> = {
  sqlite: async () => openSqliteBenchStore,
  postgres: async () => postgresBenchStore(await testPostgres()),
}

describe.each(['sqlite', 'postgres'] as const)('the store benchmarks on %s', (kind) => {
  it('time finishRun early and late in one session', async () => {
    const growth = await appendGrowth({ open: await opener[kind](), turns: 12, sample: 4, warmup: 4 })
    expect(growth).toMatchObject({ turns: 12, sample: 4 })
    for (const value of [growth.earlyMedianUs, growth.lateMedianUs, growth.firstTurnMedianUs, growth.ratio]) expect(Number.isFinite(value)).toBe(true)
  })

  it('time each store call of a chat', async () => {
    const times = await storeCallTimes({ open: await opener[kind](), chats: 5, warmup: 1 })
    expect(times.chats).toBe(5)
    for (const call of [...CHAT_CALLS, 'chat' as const]) expect(Number.isFinite(times.medianUs[call])).toBe(true)
  })
})
