/**
 * `npm run bench -- --only=analytics`: Store.analytics at 1M traces on SQLite and on PostgreSQL
 * (a throwaway local server, fsync off). The traces are written in start order over 30 days by
 * 20 agents, half of them by one agent (the busy one), over public, five links and try, three
 * versions, a third with a tool call and 2 % failed; the triggers of the analytics rollup count
 * each as it is written (the fill time includes them: the migration's backfill costs about as
 * much). Every 20th answer is rated (50k ratings; the foreign keys to messages are off while
 * they are written, the bench stores no messages). Measured after ANALYZE, each query 3 times,
 * the median and the slowest: the busy agent over 30 days by day and over 7 days by hour, a
 * quiet agent over 30 days, and every agent over 30 days.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import { createPostgresStore } from '../host/store/postgres/postgres-store.ts'
import { createSqliteStore } from '../host/store/sqlite-store.ts'
import type { AnalyticsRange, Store } from '../host/store/store.ts'
import { createDatabase, findPostgresBin, launchPostgres } from '../host/testing/postgres-server.ts'
import { ANALYTICS } from '../shared/analytics.ts'
import { AgentConfigSchema } from '../shared/index.ts'
import { median, round } from './stats.ts'

const START = Date.parse('2026-11-01T00:00:00.000Z')
const DAYS = 30
const AGENTS = 20
const TOOL = JSON.stringify([{ tool_call_id: 'c', tool_name: 'current_time', turn: 1, is_error: false, duration_ms: 2 }])

export type AnalyticsCase = { name: string; medianMs: number; maxMs: number; runs: number }
export type AnalyticsBench = { traces: number; store: 'SQLite' | 'PostgreSQL'; fillS: number; cases: AnalyticsCase[] }

/** The i-th trace: which agent (index), scope, version, status and times; the same on both stores. */
const traceOf = (i: number, total: number) => ({
  agent: i % 2 === 0 ? 0 : 1 + (i % (AGENTS - 1)),
  session: `s${Math.floor(i / 4)}`,
  scope: i % 10 === 9 ? 'try' : i % 3 === 0 ? `link:lnk_bench00000000000${i % 5}` : 'public',
  version: 1 + (i % 3),
  status: i % 50 === 0 ? 'error' : 'success',
  startedAt: new Date(START + Math.floor((i * DAYS * 86_400_000) / total)).toISOString(),
  firstTokenMs: 200 + (i % 800),
  totalMs: 1_000 + (i % 4_000),
  tool: i % 3 === 1,
})

async function makeAgents(store: Store): Promise<string[]> {
  const ids: string[] = []
  for (let a = 0; a < AGENTS; a++) ids.push((await store.createAgent({ name: `bench ${a}`, description: '', config: AgentConfigSchema.parse({}) })).id)
  return ids
}

async function measure(store: Store, agents: string[]): Promise<AnalyticsCase[]> {
  const end = new Date(START + DAYS * 86_400_000).toISOString()
  const from = new Date(START).toISOString()
  const cases: [string, AnalyticsRange][] = [
    ['busy agent (500k runs), 30 days by day', { agentId: agents[0], from, to: end, bucket: 'day' }],
    ['busy agent, 7 days by hour', { agentId: agents[0], from: new Date(START + 23 * 86_400_000).toISOString(), to: end, bucket: 'hour' }],
    ['quiet agent (26k runs), 30 days by day', { agentId: agents[1], from, to: end, bucket: 'day' }],
    ['every agent (1M runs), 30 days by day', { from, to: end, bucket: 'day' }],
  ]
  const results: AnalyticsCase[] = []
  for (const [name, range] of cases) {
    const times: number[] = []
    let runs = 0
    for (let k = 0; k < 3; k++) {
      const started = performance.now()
      runs = (await store.analytics(range, ANALYTICS.topTools)).totals.runs
      times.push(performance.now() - started)
    }
    results.push({ name, medianMs: round(median(times), 1), maxMs: round(Math.max(...times), 1), runs })
  }
  return results
}

async function sqliteBench(total: number): Promise<AnalyticsBench> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-analytics-'))
  const path = join(dir, 'analytics.db')
  const store = createSqliteStore(path)
  try {
    const agents = await makeAgents(store)
    const filled = performance.now()
    const db = new Database(path)
    const insert = db.prepare(
      `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, turns, input_tokens, output_tokens, tool_calls)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 300, 120, ?)`,
    )
    const rate = db.prepare(
      `INSERT INTO feedback (session_pk, seq, agent_id, trace_id, rating, comment, created_at, updated_at) VALUES (?, 2, ?, ?, ?, NULL, 'then', 'then')`,
    )
    db.pragma('foreign_keys = OFF')
    db.transaction(() => {
      for (let i = 0; i < total; i++) {
        const t = traceOf(i, total)
        const traceId = randomUUID()
        insert.run(traceId, agents[t.agent], t.version, t.session, t.scope, 'r', t.status, t.startedAt, t.firstTokenMs, t.totalMs, t.tool ? TOOL : '[]')
        if (i % 20 === 0) rate.run(i, agents[t.agent], traceId, i % 60 === 0 ? 'down' : 'up')
      }
    })()
    db.exec('ANALYZE')
    db.close()
    const fillS = round((performance.now() - filled) / 1000, 1)
    return { traces: total, store: 'SQLite', fillS, cases: await measure(store, agents) }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function postgresBench(total: number): Promise<AnalyticsBench> {
  findPostgresBin()
  const pg = await launchPostgres()
  try {
    await pg.ready
    const url = await createDatabase(pg.server, `bench_analytics_${process.pid}`)
    const store = await createPostgresStore(url)
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    try {
      const agents = await makeAgents(store)
      const filled = performance.now()
      // The same traces as traceOf, generated by the server.
      await sql.unsafe(
        `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, turns, input_tokens, output_tokens, tool_calls)
         SELECT gen_random_uuid()::text,
           ($1::text[])[1 + CASE WHEN i % 2 = 0 THEN 0 ELSE 1 + i % ${AGENTS - 1} END],
           1 + i % 3, 's' || (i / 4), CASE WHEN i % 10 = 9 THEN 'try' WHEN i % 3 = 0 THEN 'link:lnk_bench00000000000' || (i % 5) ELSE 'public' END,
           'r', CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END,
           $2::timestamptz + (floor(i::float8 * ${DAYS * 86_400_000} / $3) * interval '1 millisecond'),
           200 + i % 800, 1000 + i % 4000, 1, 300, 120,
           CASE WHEN i % 3 = 1 THEN $4::text::jsonb ELSE '[]'::jsonb END
         FROM generate_series(0, $3 - 1) AS i`,
        [agents, new Date(START).toISOString(), total, TOOL],
      )
      // Every 20th trace's answer rated, a third of them down; no messages, so the foreign keys are off meanwhile.
      await sql.begin(async (tx) => {
        await tx.unsafe('SET LOCAL session_replication_role = replica')
        await tx.unsafe(
          `INSERT INTO feedback (session_pk, seq, agent_id, trace_id, rating, comment, created_at, updated_at)
           SELECT pk, 2, agent_id, trace_id, CASE WHEN pk % 60 = 0 THEN 'down' ELSE 'up' END, NULL, now(), now() FROM traces WHERE pk % 20 = 0`,
        )
      })
      await sql`VACUUM ANALYZE`
      const fillS = round((performance.now() - filled) / 1000, 1)
      return { traces: total, store: 'PostgreSQL', fillS, cases: await measure(store, agents) }
    } finally {
      await sql.end({ timeout: 1 })
      await store.close()
    }
  } finally {
    await pg.stop()
  }
}

export async function analyticsBench({ quick = false, stores = ['sqlite', 'postgres'] } = {}): Promise<AnalyticsBench[]> {
  const total = quick ? 100_000 : 1_000_000
  const results: AnalyticsBench[] = []
  // Each store's lines as soon as it is done (to stderr): the whole bench takes minutes.
  for (const bench of [stores.includes('sqlite') && sqliteBench, stores.includes('postgres') && postgresBench].filter((b) => b !== false)) {
    results.push(await bench(total))
    for (const line of analyticsBenchLines(results.slice(-1)).slice(2)) console.error(line)
  }
  return results
}

export function analyticsBenchLines(results: AnalyticsBench[]): string[] {
  const lines = [
    'analytics: Store.analytics (totals, series, scopes, versions, percentiles, top tools), 3 runs each',
    '',
    '| store | traces (filled in) | query | runs counted | median | slowest |',
    '|---|---|---|---|---|---|',
  ]
  for (const r of results)
    for (const c of r.cases)
      lines.push(
        `| ${r.store} | ${r.traces.toLocaleString('en-US')} (${r.fillS} s) | ${c.name} | ${c.runs.toLocaleString('en-US')} | ${c.medianMs} ms | ${c.maxMs} ms |`,
      )
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick')
  // `--stores=postgres` (or sqlite) runs one store only.
  const stores = process.argv
    .find((arg) => arg.startsWith('--stores='))
    ?.slice('--stores='.length)
    .split(',')
  for (const line of analyticsBenchLines(await analyticsBench({ quick, ...(stores ? { stores } : {}) }))) console.log(line)
}
