/** The test PostgreSQL: each call gives a database of its own, on a server that answers. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { createTestDatabase, testPostgres } from './postgres.ts'

const run = promisify(execFile)

it('creates empty databases of their own on the run’s server', async () => {
  const [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()])
  expect(first).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/porch_test_/)
  expect(second).not.toBe(first)
  const { bin } = await testPostgres()
  await run(join(bin, 'psql'), [first, '-c', 'CREATE TABLE t (x int)'])
  const { stdout } = await run(join(bin, 'psql'), [second, '-At', '-c', "SELECT count(*) FROM pg_tables WHERE tablename = 't'"])
  expect(stdout.trim()).toBe('0')
})
