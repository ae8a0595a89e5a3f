/**
 * One setup of the cluster benchmark, shortened (a second of load, a few chats; no timing
 * asserted: timings are for BENCHMARKS.md, never for tests), so `npm run bench -- --only=cluster`
 * does not find a broken setup after minutes: one host on PostgreSQL + Redis behind nginx, each
 * measurement of bench/cluster.ts once, and Redis's counts where they are exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testPostgres } from '../host/testing/postgres.ts'
import { benchDatabaseUrl } from './bench-store.ts'
import { benchSetup, type ClusterBench, SETUPS, type SetupOptions, type SetupResult } from './cluster.ts'
import { clusterBenchLines } from './cluster-report.ts'
import { type ModelServer, startModelServer } from './model-server.ts'

const options: SetupOptions = { seconds: 1, warmupSeconds: 1, connections: 4, fixedRate: 20, overheadRounds: 3, overheadWarmup: 1, countedChats: 3 }

describe('the cluster benchmark, one host on PostgreSQL + Redis behind nginx', () => {
  let model: ModelServer
  let result: SetupResult

  beforeAll(async () => {
    const server = await testPostgres()
    model = await startModelServer({ tokens: 20 })
    // The run's PostgreSQL serves every test file: its CPU time would not be this test's.
    result = await benchSetup(SETUPS[0]!, 1, { databaseUrl: () => benchDatabaseUrl(server), postgresCpuMs: () => 0, model }, options)
  }, 60_000)
  afterAll(() => model?.close())

  it("loads chats through nginx and reads every process's CPU", () => {
    for (const load of [result.sync, result.syncAtRate, result.widget]) {
      expect(load.total).toBeGreaterThan(0)
      expect(load.non2xx + load.errors).toBe(0)
      for (const value of [load.cpuMsPerChat.hosts, load.cpuMsPerChat.redis, load.cpuMsPerChat.nginx, load.busyCores]) expect(Number.isFinite(value)).toBe(true)
    }
    // Each widget chat's request_id is its own (autocannon's [<id>]): every chat a run of its own,
    // its events in Redis: at least one batch and the end entry per chat.
    expect(result.widget.redis!.commands.xadd).toBeGreaterThanOrEqual(2)
    expect(Number.isFinite(result.overhead.firstToken.medianMs)).toBe(true)
  })

  it("counts Redis's commands per chat, one chat at a time", () => {
    const counts = result.redis!
    // The rate limit (one script call), the run's claim and its release: whatever the heartbeats did meanwhile.
    expect(counts.sync.commands).toMatchObject({ evalsha: 1, del: 1 })
    // A client request_id mirrors its events to the run's stream in batches (25 ms each), then the end:
    // at least one batch and the end, and far fewer entries than events.
    for (const sse of [counts.sseAtOnce, counts.ssePaced]) {
      expect(sse.events).toBeGreaterThan(20)
      expect(sse.commands.xadd).toBeGreaterThanOrEqual(2)
      expect(sse.commands.xadd).toBeLessThan(sse.events / 2)
    }
  })

  it('prints as the tables BENCHMARKS.md shows', () => {
    const bench: ClusterBench = { postgres: 'PostgreSQL', redis: 'Redis', options, results: [result], load: { before: 0, after: 0 } }
    const lines = clusterBenchLines(bench)
    expect(lines.filter((line) => line.startsWith(`| 1 | ${SETUPS[0]!.name} |`))).toHaveLength(7)
  })
})
