/** PostgreSQL migrations: hosts starting at once migrate once; a URL that leads nowhere is reported without its password. */
import { createServer } from 'node:net'
import { afterAll, expect, it } from 'vitest'
import { createTestDatabase } from '../../testing/postgres.ts'
import { checkReachable, createPool, DatabaseUnreachableError, maskPassword, type Sql } from './connection.ts'
import { latestSchemaVersion, migrate } from './migrate.ts'

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
  const all = Array.from({ length: latestSchemaVersion() }, (_, i) => i + 1)
  expect(applied.filter((versions) => versions.length > 0)).toEqual([all])
  expect(applied.filter((versions) => versions.length === 0)).toHaveLength(2)
  const sql = hosts[0]!
  const rows = await sql<{ version: number }[]>`SELECT version FROM porch_migrations ORDER BY version`
  expect(rows.map((row) => row.version)).toEqual(all)
  const tables = await sql<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
  expect(tables.map((t) => t.name)).toEqual([
    'agent_versions',
    'agents',
    'api_keys',
    'attachment_days',
    'console_sessions',
    'context_summaries',
    'files',
    'host_instances',
    'link_visitor_usage',
    'links',
    'messages',
    'owner_keys',
    'porch_migrations',
    'sessions',
    'settings',
    'traces',
    'unused_attachments',
  ])
  // A later start finds nothing to do.
  expect(await migrate(pool(url))).toEqual([])
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
