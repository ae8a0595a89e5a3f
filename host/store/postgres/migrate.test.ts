/** PostgreSQL migrations: hosts starting at once migrate once; a URL that leads nowhere is reported without its password. */
import { createServer } from 'node:net'
import { afterAll, expect, it } from 'vitest'
import { FINISHED_AFTER, HISTORY_TOTALS, type HistoryTrace, TRACES_AFTER, TRACES_BEFORE } from '../../testing/analytics-history.ts'
import { createTestDatabase } from '../../testing/postgres.ts'
import { maskPassword } from '../../url-secrets.ts'
import { checkReachable, createPool, DatabaseUnreachableError, type Sql } from './connection.ts'
import { migrate, migrationFiles } from './migrate.ts'
import { createPostgresStore } from './postgres-store.ts'

const pools: Sql[] = []
const pool = (url: string) => {
  const sql = createPool(url, { max: 2, connectTimeoutSeconds: 5 })
  pools.push(sql)
  return sql
}
afterAll(async () => {
  await Promise.all(pools.map((sql) => sql.end()))
})

it('applies the migrations once when three hosts start on an empty database at once', async () => {
  const url = await createTestDatabase()
  const hosts = [pool(url), pool(url), pool(url)]
  const applied = await Promise.all(hosts.map((sql) => migrate(sql)))
  // The migration files' numbers (a branch may skip one another branch brings).
  const all = migrationFiles().map((migration) => migration.version)
  expect(applied.filter((versions) => versions.length > 0)).toEqual([all])
  expect(applied.filter((versions) => versions.length === 0)).toHaveLength(2)
  const sql = hosts[0]!
  const rows = await sql<{ version: number }[]>`SELECT version FROM porch_migrations ORDER BY version`
  expect(rows.map((row) => row.version)).toEqual(all)
  const tables = await sql<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
  expect(tables.map((t) => t.name)).toEqual([
    'agent_identities',
    'agent_versions',
    'agents',
    'analytics_hours',
    'analytics_latency_bins',
    'analytics_refusals',
    'analytics_seen',
    'analytics_uses',
    'api_keys',
    'attachment_days',
    'console_sessions',
    'context_summaries',
    'feedback',
    'files',
    'host_instances',
    'knowledge_chunks',
    'knowledge_refs',
    'knowledge_sources',
    'link_visitor_usage',
    'links',
    'messages',
    'owner_keys',
    'porch_migrations',
    'session_events',
    'sessions',
    'settings',
    'takeovers',
    'traces',
    'unused_attachments',
  ])
  // A later start finds nothing to do.
  expect(await migrate(pool(url))).toEqual([])
})

it('brings a database of migration 001 over to 002: message counters from the messages, old running traces orphaned', async () => {
  const url = await createTestDatabase()
  const sql = pool(url)
  // Migration 001 alone, as a host of that schema left the database.
  await sql`CREATE TABLE porch_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
  const [first] = migrationFiles()
  await sql.unsafe(first!.sql)
  await sql`INSERT INTO porch_migrations (version, name) VALUES (1, ${first!.name})`
  const at = new Date().toISOString()
  await sql`INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('a1', 'a', '{}', ${at}, ${at})`
  const [session] = await sql<
    { pk: number }[]
  >`INSERT INTO sessions (agent_id, scope, id, created_at, updated_at) VALUES ('a1', 'public', 's1', ${at}, ${at}) RETURNING pk`
  for (const seq of [1, 2, 3]) {
    await sql`INSERT INTO messages (session_pk, seq, role, content, trace_id, created_at) VALUES (${session!.pk}, ${seq}, 'user', '[]', 't1', ${at})`
  }
  await sql`INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, host_instance)
    VALUES ('t1', 'a1', 1, 's1', 'public', 'r1', 'running', ${at}, 42)`

  expect(await migrate(sql)).toEqual(
    migrationFiles()
      .slice(1)
      .map((m) => m.version),
  )
  const [counted] = await sql<{ last_seq: number }[]>`SELECT last_seq FROM sessions WHERE pk = ${session!.pk}`
  expect(counted?.last_seq).toBe(3)
  const [trace] = await sql<{ instance_id: string | null }[]>`SELECT instance_id FROM traces WHERE trace_id = 't1'`
  expect(trace).toEqual({ instance_id: null })
})

it('brings traces stored before migration 010 into the hourly rollup, and counts each run that finishes later once', async () => {
  const url = await createTestDatabase()
  const sql = pool(url)
  await sql`CREATE TABLE porch_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
  for (const migration of migrationFiles().filter((m) => m.version < 10)) {
    await sql.unsafe(migration.sql)
    await sql`INSERT INTO porch_migrations (version, name) VALUES (${migration.version}, ${migration.name})`
  }
  await sql`INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('a1', 'a', '{}', now(), now())`
  const tool = JSON.stringify([{ tool_call_id: 'c', tool_name: 'current_time', turn: 1, is_error: false, duration_ms: 1 }])
  const trace = (id: string, session: string, status: string, at: string, firstToken: number | null, total: number | null, tools = '[]') =>
    sql`INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, input_tokens, output_tokens, tool_calls)
      VALUES (${id}, 'a1', 1, ${session}, 'public', 'r', ${status}, ${at}, ${firstToken}, ${total}, 10, 20, ${tools}::text::jsonb)`
  await trace('t1', 's1', 'success', '2026-01-01T10:05:00.000Z', 100, 1000, tool)
  await trace('t2', 's1', 'error', '2026-01-01T10:40:00.000Z', null, 50)
  await trace('t3', 's2', 'success', '2026-01-02T11:00:00.000Z', 200, 2000)
  await trace('t4', 's2', 'running', '2026-01-02T11:10:00.000Z', null, null)
  expect(await migrate(sql)).toEqual(
    migrationFiles()
      .filter((m) => m.version >= 10)
      .map((m) => m.version),
  )
  const hours = () =>
    sql<{ hour: Date; runs: string; errors: string; input_tokens: string; conversations: string; visitors: string }[]>`
      SELECT hour, runs, errors, input_tokens, conversations, visitors FROM analytics_hours ORDER BY hour`.then((rows) =>
      rows.map((r) => [r.hour.toISOString(), Number(r.runs), Number(r.errors), Number(r.input_tokens), Number(r.conversations), Number(r.visitors)]),
    )
  expect(await hours()).toEqual([
    ['2026-01-01T10:00:00.000Z', 2, 1, 20, 1, 1],
    ['2026-01-02T11:00:00.000Z', 1, 0, 10, 1, 1],
  ])
  // 100 ms: 1 + floor(4·log2 100) = 27; 1000 ms: 40; 50 ms: 23 (as SQLite's migration 017 counts them).
  // (Migration 011 turned 010's JSON histograms into rows.)
  const latency = await sql`SELECT metric, bin, runs::int FROM analytics_latency_bins WHERE hour = '2026-01-01T10:00:00Z' ORDER BY metric, bin`
  expect(latency).toEqual([
    { metric: 'first_token', bin: 27, runs: 1 },
    { metric: 'total', bin: 23, runs: 1 },
    { metric: 'total', bin: 40, runs: 1 },
  ])
  expect(await sql`SELECT name, uses::int FROM analytics_uses`).toEqual([{ name: 'current_time', uses: 1 }])
  await sql`UPDATE traces SET status = 'interrupted' WHERE trace_id = 't4'`
  await sql`UPDATE traces SET status = 'success' WHERE trace_id = 't4'`
  expect((await hours())[1]).toEqual(['2026-01-02T11:00:00.000Z', 2, 1, 20, 1, 1])
})

it('brings 010’s rollup over to 011 with every count kept, then counts on as if 011 had counted from the start', async () => {
  const traces = (sql: Sql, rows: HistoryTrace[]) =>
    sql`INSERT INTO traces ${sql(
      rows.map((t) => ({
        trace_id: t.traceId,
        agent_id: t.agentId,
        version: 1,
        session_id: t.sessionId,
        scope: t.scope,
        request_id: 'r',
        status: t.status,
        started_at: t.startedAt,
        first_token_ms: t.firstTokenMs,
        total_ms: t.totalMs,
        input_tokens: 10,
        output_tokens: 20,
        tool_calls: JSON.parse(t.toolCalls),
        visitor: t.visitor,
        cited_sources: JSON.parse(t.citedSources),
      })),
    )}`
  const agents = (sql: Sql) =>
    sql`INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('ag-1', 'a', '{}', now(), now()), ('ag-2', 'a', '{}', now(), now())`
  const rollup = async (sql: Sql) => ({
    hours: await sql`SELECT * FROM analytics_hours ORDER BY agent_id, hour, scope, version`,
    latency: await sql`SELECT * FROM analytics_latency_bins ORDER BY agent_id, hour, metric, bin`,
    uses: await sql`SELECT * FROM analytics_uses ORDER BY agent_id, hour, kind, name`,
    seen: await sql`SELECT * FROM analytics_seen ORDER BY agent_id, key`,
  })
  // Counted by 010, then migrated; and counted by 011 all along.
  const migratedUrl = await createTestDatabase()
  const migrated = pool(migratedUrl)
  await migrated`CREATE TABLE porch_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
  for (const migration of migrationFiles().filter((m) => m.version <= 10)) {
    await migrated.unsafe(migration.sql)
    await migrated`INSERT INTO porch_migrations (version, name) VALUES (${migration.version}, ${migration.name})`
  }
  await agents(migrated)
  await traces(migrated, TRACES_BEFORE)
  expect(await migrated`SELECT kind, COUNT(*)::int AS n FROM analytics_seen GROUP BY kind ORDER BY kind`).toEqual([
    { kind: 'c', n: 4 },
    { kind: 'v', n: 4 },
  ])
  await migrate(migrated)
  const countedUrl = await createTestDatabase()
  const counted = pool(countedUrl)
  await migrate(counted)
  await agents(counted)
  await traces(counted, TRACES_BEFORE)
  expect(await rollup(migrated)).toEqual(await rollup(counted))
  // An anonymous conversation's seen row is its visitor's too: 010's eight rows are five.
  expect((await rollup(migrated)).seen).toHaveLength(5)

  for (const sql of [migrated, counted]) {
    await traces(sql, TRACES_AFTER)
    await sql`UPDATE traces SET status = 'success', first_token_ms = 7, total_ms = 70 WHERE trace_id = ${FINISHED_AFTER}`
  }
  expect(await rollup(migrated)).toEqual(await rollup(counted))
  const reports = []
  for (const url of [migratedUrl, countedUrl]) {
    const store = await createPostgresStore(url)
    try {
      reports.push(await store.analytics({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', bucket: 'hour' }, 10))
    } finally {
      await store.close()
    }
  }
  expect(reports[0]).toEqual(reports[1])
  expect(reports[0]!.totals).toMatchObject(HISTORY_TOTALS)
})

it('counts a statement of many finished traces, planned for its size, as it counts one', async () => {
  const sql = pool(await createTestDatabase())
  await migrate(sql)
  await sql`INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('a1', 'a', '{}', now(), now())`
  // 400 traces of 100 sessions (more than analytics_count_runs plans generically), half signed in as 20 users.
  await sql`INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, visitor)
    SELECT 't' || i, 'a1', 1, 's' || (i / 4), 'public', 'r', 'success', '2026-01-01T10:00:00Z'::timestamptz + i * interval '1 second', 100, 1000,
      CASE WHEN i / 4 % 2 = 0 THEN 'user-' || (i / 4 % 20) END
    FROM generate_series(0, 399) AS i`
  const [hours] = await sql`SELECT SUM(runs)::int AS runs, SUM(conversations)::int AS conversations, SUM(visitors)::int AS visitors FROM analytics_hours`
  // 50 anonymous sessions are 50 visitors; the signed-in ones 10 users (even numbers below 20).
  expect(hours).toEqual({ runs: 400, conversations: 100, visitors: 60 })
  expect(await sql`SELECT metric, bin, runs::int FROM analytics_latency_bins ORDER BY metric`).toEqual([
    { metric: 'first_token', bin: 27, runs: 400 },
    { metric: 'total', bin: 40, runs: 400 },
  ])
})

const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

it('reports a server that is not there, or a database that is not, naming the variable and never the password', async () => {
  const url = await createTestDatabase()
  const port = await closedPort()
  for (const bad of [
    `postgres://porch:s3cr%40et@127.0.0.1:${port}/porch`,
    url.replace(/\/[^/]+$/, '/no_such_database').replace('postgres@', 'postgres:s3cr%40et@'),
  ]) {
    const error = await checkReachable(pool(bad), bad).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(DatabaseUnreachableError)
    const message = (error as Error).message
    expect(message).toMatch(/^PORCH_DATABASE_URL: cannot use the PostgreSQL database at postgres:\/\/[a-z]+:\*\*\*@127\.0\.0\.1:\d+\//)
    expect(message).toMatch(/ECONNREFUSED|does not exist/)
    expect(message).not.toMatch(/s3cr/)
  }
})

it('masks passwords as the client reads URLs', () => {
  expect(maskPassword('postgres://porch:p@ss#w@db:5432/porch?sslmode=require')).toBe('postgres://porch:***@db:5432/porch?sslmode=require')
  expect(maskPassword('postgresql://porch@db/porch')).toBe('postgresql://porch@db/porch')
  expect(maskPassword('postgres://db/porch')).toBe('postgres://db/porch')
})
