/**
 * `npx tsx bench/analytics-triggers.ts [--chats=N] [--rounds=N] [--stores=sqlite,postgres]`: what
 * the analytics rollup's counting costs a chat's store calls (bench/store-calls.ts), A/B in one
 * process: a store whose schema stops before the current counting (SQLite 017, PostgreSQL 010:
 * the migrations up to there applied by hand, the later ones recorded as applied so the store
 * opens it as it is) against one at the latest schema, taking turns round by round.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import { latestSchemaVersion } from '../host/store/db.ts'
import { latestSchemaVersion as latestPostgresSchema, migrationFiles } from '../host/store/postgres/migrate.ts'
import { createPostgresStore } from '../host/store/postgres/postgres-store.ts'
import { createSqliteStore } from '../host/store/sqlite-store.ts'
import { createDatabase, launchPostgres, type TestPostgres } from '../host/testing/postgres-server.ts'
import { type OpenBenchStore, openSqliteBenchStore, postgresBenchStore } from './bench-store.ts'
import { CHAT_CALLS, storeCallTimes } from './store-calls.ts'

const SQLITE_BEFORE = 17
const POSTGRES_BEFORE = 10
const sqliteMigrations = new URL('../host/store/migrations/', import.meta.url)

/** A SQLite store at `schema` ('uncounted': the latest without the triggers that count runs; the latest itself is bench-store.ts's). */
const sqliteAt =
  (schema: number | 'uncounted'): OpenBenchStore =>
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'porch-bench-triggers-'))
    const path = join(dir, 'bench.db')
    if (typeof schema === 'number') {
      const db = new Database(path)
      db.pragma('journal_mode = WAL')
      for (const name of readdirSync(sqliteMigrations)
        .filter((n) => /^\d{3}_.+\.sql$/.test(n) && Number(n.slice(0, 3)) <= schema)
        .sort()) {
        db.exec(readFileSync(new URL(name, sqliteMigrations), 'utf8'))
      }
      db.pragma(`user_version = ${latestSchemaVersion()}`)
      db.close()
    }
    const store = createSqliteStore(path)
    if (schema === 'uncounted') {
      const db = new Database(path)
      db.exec('DROP TRIGGER analytics_count_inserted; DROP TRIGGER analytics_count_finished')
      db.close()
    }
    return {
      store,
      async dispose() {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }

let databases = 0

/** A PostgreSQL store on a new database of `server` at `schema` ('uncounted': the latest without the counting triggers). */
const postgresAt =
  (server: TestPostgres, schema: number | 'uncounted'): OpenBenchStore =>
  async () => {
    databases += 1
    const url = await createDatabase(server, `bench_triggers_${process.pid}_${databases}`)
    if (typeof schema === 'number') {
      const sql = postgres(url, { max: 1, onnotice: () => {} })
      await sql`CREATE TABLE porch_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
      for (const migration of migrationFiles()) {
        if (migration.version <= schema) await sql.unsafe(migration.sql)
        await sql`INSERT INTO porch_migrations (version, name) VALUES (${migration.version}, ${migration.name})`
      }
      await sql.end({ timeout: 1 })
    }
    const store = await createPostgresStore(url)
    if (schema === 'uncounted') {
      const sql = postgres(url, { max: 1, onnotice: () => {} })
      await sql`ALTER TABLE traces DISABLE TRIGGER analytics_count_inserted`
      await sql`ALTER TABLE traces DISABLE TRIGGER analytics_count_finished`
      await sql.end({ timeout: 1 })
    }
    return { store, dispose: () => store.close() }
  }

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const chats = Number(arg('chats') ?? 3_000)
const rounds = Number(arg('rounds') ?? 3)
const stores = (arg('stores') ?? 'sqlite,postgres').split(',')

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log(`| store | schema | round | ${CHAT_CALLS.join(' | ')} | the four calls |`)
console.log(`|---|---|---|${CHAT_CALLS.map(() => '---|').join('')}---|`)
const line = (store: string, schema: string, round: number, us: Record<string, number>) =>
  console.log(`| ${store} | ${schema} | ${round} | ${CHAT_CALLS.map((c) => `${us[c]} µs`).join(' | ')} | ${us.chat} µs |`)

if (stores.includes('sqlite')) {
  for (let round = 1; round <= rounds; round++) {
    for (const [schema, open] of [
      [`${SQLITE_BEFORE} (before)`, sqliteAt(SQLITE_BEFORE)],
      [`${latestSchemaVersion()} (after)`, openSqliteBenchStore],
      ['runs not counted', sqliteAt('uncounted')],
    ] as const) {
      line('SQLite', schema, round, (await storeCallTimes({ open, chats })).medianUs)
    }
  }
}
if (stores.includes('postgres')) {
  const pg = await launchPostgres()
  try {
    await pg.ready
    for (let round = 1; round <= rounds; round++) {
      for (const [schema, open] of [
        [`${POSTGRES_BEFORE} (before)`, postgresAt(pg.server, POSTGRES_BEFORE)],
        [`${latestPostgresSchema()} (after)`, postgresBenchStore(pg.server)],
        ['runs not counted', postgresAt(pg.server, 'uncounted')],
      ] as const) {
        line('PostgreSQL', schema, round, (await storeCallTimes({ open, chats: Math.min(chats, 1_000) })).medianUs)
      }
    }
  } finally {
    await pg.stop()
  }
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
