/**
 * `npx tsx bench/analytics-migration.ts [--traces=N] [--stores=sqlite,postgres]`: how long SQLite
 * 018 and PostgreSQL 011 take on a big database. They rewrite only the rollup's latency
 * histograms and seen keys (not the traces), so the rollup of N traces is written directly in
 * the shape bench/analytics.ts's traces give it (20 agents, 720 hours, ~10 first-token and ~10
 * total bins per agent and hour; a new conversation every 4 traces, anonymous, so two seen rows
 * each), at the schema before, then the migration is timed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import { migrationFiles } from '../host/store/postgres/migrate.ts'
import { createDatabase, launchPostgres } from '../host/testing/postgres-server.ts'
import { round } from './stats.ts'

const AGENTS = 20
const HOURS = 720
const START = Date.parse('2026-11-01T00:00:00.000Z')

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const traces = Number(arg('traces') ?? 1_000_000)
const stores = (arg('stores') ?? 'sqlite,postgres').split(',')
const conversations = traces / 4

/** One hour's histogram as 017 and 010 store it: ten bins of each. */
const histogram = (first: number) => JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(first + i), 1 + i])))
const hourOf = (h: number) => new Date(START + h * 3_600_000).toISOString()

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log(
  `rollup of ${traces.toLocaleString('en-US')} traces: ${(AGENTS * HOURS).toLocaleString('en-US')} histogram rows, ${(2 * conversations).toLocaleString('en-US')} seen rows`,
)

if (stores.includes('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-migration-'))
  try {
    const db = new Database(join(dir, 'bench.db'))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const migrations = new URL('../host/store/migrations/', import.meta.url)
    const files = readdirSync(migrations)
      .filter((n) => /^\d{3}_.+\.sql$/.test(n))
      .sort()
    for (const name of files.filter((n) => n < '018')) db.exec(readFileSync(new URL(name, migrations), 'utf8'))
    db.transaction(() => {
      const agent = db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES (?, 'a', '{}', 'then', 'then')")
      const latency = db.prepare('INSERT INTO analytics_latency (agent_id, hour, first_token, total) VALUES (?, ?, ?, ?)')
      const seen = db.prepare("INSERT INTO analytics_seen (agent_id, kind, key) VALUES (?, 'c', ?), (?, 'v', ?)")
      for (let a = 0; a < AGENTS; a++) {
        agent.run(`ag-${a}`)
        for (let h = 0; h < HOURS; h++) latency.run(`ag-${a}`, hourOf(h), histogram(31), histogram(40))
      }
      for (let c = 0; c < conversations; c++) {
        const key = `public s${c}`
        seen.run(`ag-${c % AGENTS}`, key, `ag-${c % AGENTS}`, key)
      }
    })()
    const started = performance.now()
    db.transaction(() => db.exec(readFileSync(new URL(files.find((n) => n.startsWith('018'))!, migrations), 'utf8')))()
    console.log(`SQLite 018: ${round((performance.now() - started) / 1000, 2)} s`)
    db.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (stores.includes('postgres')) {
  const pg = await launchPostgres()
  try {
    await pg.ready
    const sql = postgres(await createDatabase(pg.server, `bench_migration_${process.pid}`), { max: 1, onnotice: () => {} })
    for (const migration of migrationFiles().filter((m) => m.version < 11)) await sql.unsafe(migration.sql)
    await sql.unsafe(
      `INSERT INTO agents (id, name, config, created_at, updated_at) SELECT 'ag-' || a, 'a', '{}', now(), now() FROM generate_series(0, ${AGENTS - 1}) AS a`,
    )
    await sql.unsafe(
      `INSERT INTO analytics_latency (agent_id, hour, first_token, total)
       SELECT 'ag-' || a, $1::timestamptz + h * interval '1 hour', $2::text::jsonb, $3::text::jsonb FROM generate_series(0, ${AGENTS - 1}) AS a, generate_series(0, ${HOURS - 1}) AS h`,
      [hourOf(0), histogram(31), histogram(40)],
    )
    await sql.unsafe(
      `INSERT INTO analytics_seen (agent_id, kind, key) SELECT 'ag-' || (c % ${AGENTS}), k, 'public s' || c FROM generate_series(0, ${conversations - 1}) AS c, (VALUES ('c'), ('v')) AS k (k)`,
    )
    await sql`VACUUM ANALYZE`
    const started = performance.now()
    await sql.begin((tx) => tx.unsafe(migrationFiles().find((m) => m.version === 11)!.sql))
    console.log(`PostgreSQL 011: ${round((performance.now() - started) / 1000, 2)} s`)
    await sql.end({ timeout: 1 })
  } finally {
    await pg.stop()
  }
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
