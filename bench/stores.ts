/**
 * `npm run bench -- --only=stores`: the PostgreSQL store against SQLite, measured in one run.
 * PostgreSQL is a throwaway local server (host/testing/postgres-server.ts: 127.0.0.1, fsync off)
 * sharing the machine's cores with the host and the load; every host gets a fresh database.
 * The stores take turns (SQLite, PostgreSQL, SQLite, PostgreSQL), so a noisy neighbour hurts
 * both alike and the ratios within a round are what to read. Per store and round:
 *
 * - sync chats/s and host CPU per chat: bench/throughput.ts (`demo:instant`, autocannon in
 *   another process), and on PostgreSQL the server's CPU per chat too (all its processes);
 * - overhead to first token: bench/overhead.ts (SSE, a model server streaming 20 tokens);
 * - append growth: Store.finishRun at turns 1,801–2,000 of one session against turn 1 of new
 *   sessions taken at the same moments (bench/append-growth.ts), in-process;
 * - what a chat asks of the store, call by call (bench/store-calls.ts), in-process, with the
 *   price of one bare round trip to the server for scale;
 * - once, after the rounds: the statements (round trips) a sync chat sends PostgreSQL, counted
 *   from the server's log (bench/pg-statements.ts).
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename, dirname, join } from 'node:path'
import postgres from 'postgres'
import { databaseUrl, findPostgresBin, launchPostgres, type TestPostgres } from '../host/testing/postgres-server.ts'
import { type AppendGrowth, appendGrowth } from './append-growth.ts'
import { benchDatabaseUrl, type OpenBenchStore, openSqliteBenchStore, postgresBenchStore, type StoreKind } from './bench-store.ts'
import { hostOverhead, type OverheadResult } from './overhead.ts'
import { type ChatStatements, statementsPerChat } from './pg-statements.ts'
import { processTreeCpuMs } from './process-cpu.ts'
import { CHAT_CALLS, roundTripUs, type StoreCallTimes, storeCallTimes } from './store-calls.ts'
import { porchThroughput, type Throughput } from './throughput.ts'

export const STORES: readonly StoreKind[] = ['sqlite', 'postgres']

export type StoreRound = {
  round: number
  store: StoreKind
  sync: Throughput
  overhead: OverheadResult
  growth: AppendGrowth
  calls: StoreCallTimes
}

export type StoreComparison = {
  /** `PostgreSQL 15`: the server the throwaway one runs. */
  postgres: string
  rounds: StoreRound[]
  /** Median µs of a bare prepared `SELECT 1` on the throwaway server, measured after the rounds. */
  roundTripUs: number
  statements: ChatStatements
  /** 1-minute load average before and after (2 cores: above 2 means something else wanted the CPU). */
  load: { before: number; after: number }
}

export async function compareStores({ rounds = 2, quick = false } = {}): Promise<StoreComparison> {
  const postgresVersion = `PostgreSQL ${basename(dirname(findPostgresBin()))}`
  const before = loadavg()[0]!
  const pg = await launchPostgres()
  try {
    await pg.ready
    await visitDatabasesEverySecond(pg.server)
    const hostEnv = async (store: StoreKind): Promise<Record<string, string>> =>
      store === 'postgres' ? { PORCH_DATABASE_URL: await benchDatabaseUrl(pg.server) } : {}
    const open: Record<StoreKind, OpenBenchStore> = { sqlite: openSqliteBenchStore, postgres: postgresBenchStore(pg.server) }
    // The first line of postmaster.pid is the server's process, parent of one process per connection.
    const postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    const databaseCpuMs = (store: StoreKind) => (store === 'postgres' ? () => processTreeCpuMs(postmaster) : undefined)
    const results: StoreRound[] = []
    for (let round = 1; round <= rounds; round++) {
      for (const store of STORES) {
        console.log(`stores: round ${round}, ${store}…`)
        const sync = await porchThroughput('non_streaming', { seconds: quick ? 5 : 10, env: await hostEnv(store), databaseCpuMs: databaseCpuMs(store) })
        const overhead = await hostOverhead({ rounds: quick ? 200 : 500, env: await hostEnv(store) })
        const growth = await appendGrowth({ open: open[store] })
        const calls = await storeCallTimes({ open: open[store], chats: quick ? 300 : 1_000 })
        results.push({ round, store, sync, overhead, growth, calls })
      }
    }
    return {
      postgres: postgresVersion,
      rounds: results,
      roundTripUs: await roundTripUs(await benchDatabaseUrl(pg.server)),
      statements: await statementsPerChat(pg.server),
      load: { before, after: loadavg()[0]! },
    }
  } finally {
    await pg.stop()
  }
}

/**
 * Autovacuum visits each database once a minute by default, and a database it has never visited
 * has no statistics: PostgreSQL then cannot tell the unique (agent_id, scope, id) index from
 * sessions_by_agent_scope_page (equal estimates) and may look a session up by walking all of the
 * agent's sessions (measured: 1.1–1.6 ms against 0.04 ms at 3,685 sessions). A deployment is past
 * that after its first minute; every benchmarked host starts on a new database and runs for
 * seconds, so the server visits every second and the first statistics come during the warm-up.
 */
export async function visitDatabasesEverySecond(server: TestPostgres): Promise<void> {
  const sql = postgres(databaseUrl(server, 'postgres'), { max: 1, onnotice: () => {} })
  try {
    await sql`ALTER SYSTEM SET autovacuum_naptime = '1s'`
    await sql`SELECT pg_reload_conf()`
  } finally {
    await sql.end({ timeout: 1 })
  }
}

const signed = (value: number) => `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(2)}`

const NAMES: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' }
const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const cpuPerChat = (t: Throughput) =>
  t.databaseCpuMsPerChat === undefined
    ? `${t.cpuMsPerChat.toFixed(2)} ms`
    : `${t.cpuMsPerChat.toFixed(2)} + ${t.databaseCpuMsPerChat.toFixed(2)} = ${(t.cpuMsPerChat + t.databaseCpuMsPerChat).toFixed(2)} ms`

/** The comparison as Markdown tables (as BENCHMARKS.md shows them) and one line of ratios per round. */
export function storeComparisonLines(c: StoreComparison): string[] {
  const lines = [
    `stores: SQLite against ${c.postgres} (throwaway local server, fsync off), taking turns, ${Math.max(...c.rounds.map((r) => r.round))} rounds; ` +
      `load average ${c.load.before.toFixed(2)} before, ${c.load.after.toFixed(2)} after; a bare round trip to the server: ${c.roundTripUs} µs median`,
    '',
    '| round | store | sync chats/s | p50 / p99 | CPU per sync chat: host + PostgreSQL | to first token over direct: median / p99 | host CPU per SSE chat | finishRun: turn 1 / turns 1,801–2,000 (ratio) |',
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const r of c.rounds) {
    lines.push(
      `| ${r.round} | ${NAMES[r.store]} | ${n(r.sync.perSecond)} | ${r.sync.p50Ms} / ${r.sync.p99Ms} ms | ${cpuPerChat(r.sync)} | ` +
        `${r.overhead.firstToken.medianMs} / ${r.overhead.firstToken.p99Ms} ms | ${r.overhead.hostCpuMsPerChat} ms | ` +
        `${n(r.growth.firstTurnMedianUs)} / ${n(r.growth.lateMedianUs)} µs (${r.growth.ratio.toFixed(2)}) |`,
    )
  }
  lines.push('', `| round | store | ${CHAT_CALLS.join(' | ')} | a chat's store calls |`, `|---|---|${CHAT_CALLS.map(() => '---|').join('')}---|`)
  for (const r of c.rounds) {
    const us = r.calls.medianUs
    lines.push(`| ${r.round} | ${NAMES[r.store]} | ${CHAT_CALLS.map((call) => `${n(us[call])} µs`).join(' | ')} | ${n(us.chat)} µs |`)
  }
  lines.push('', `PostgreSQL statements (round trips) per sync chat, from the server's log: ${c.statements.perChat}`)
  for (const statement of c.statements.oneChat) lines.push(`  ${statement} …`)
  lines.push('')
  for (const sqlite of c.rounds.filter((r) => r.store === 'sqlite')) {
    const pg = c.rounds.find((r) => r.store === 'postgres' && r.round === sqlite.round)
    if (!pg) continue
    const errors = sqlite.sync.non2xx + sqlite.sync.errors + pg.sync.non2xx + pg.sync.errors
    lines.push(
      `round ${sqlite.round}, PostgreSQL against SQLite: sync chats/s ×${(pg.sync.perSecond / sqlite.sync.perSecond).toFixed(2)}, ` +
        `host CPU per sync chat ×${(pg.sync.cpuMsPerChat / sqlite.sync.cpuMsPerChat).toFixed(2)} (${signed(pg.sync.cpuMsPerChat - sqlite.sync.cpuMsPerChat)} ms), ` +
        `host and database CPU ×${((pg.sync.cpuMsPerChat + (pg.sync.databaseCpuMsPerChat ?? 0)) / sqlite.sync.cpuMsPerChat).toFixed(2)}, ` +
        `to first token ${signed(pg.overhead.firstToken.medianMs - sqlite.overhead.firstToken.medianMs)} ms median, ` +
        `a chat's store calls +${n(pg.calls.medianUs.chat - sqlite.calls.medianUs.chat)} µs; ${errors} failed requests`,
    )
  }
  return lines
}
