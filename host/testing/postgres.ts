/**
 * PostgreSQL for tests: a fresh, empty database on the run's throwaway server (started once per
 * run by host/testing/postgres-server.ts, a vitest global setup). Call `createTestDatabase()` in
 * a test file (once, or once per test that needs an empty database); it returns the database's
 * `postgres://` URL. The databases go with the server at the end of the run.
 */
import { existsSync, readFileSync } from 'node:fs'
import { inject } from 'vitest'
import { createDatabase, type TestPostgres } from './postgres-server.ts'

const STARTUP_WAIT_MS = 60_000

let ready: Promise<TestPostgres> | undefined

/** The run's server, once it accepts connections. */
export function testPostgres(): Promise<TestPostgres> {
  ready ??= (async () => {
    const server = inject('postgres')
    if (!server) throw new Error('No test PostgreSQL: vite.config.ts must list host/testing/postgres-server.ts in test.globalSetup.')
    const deadline = Date.now() + STARTUP_WAIT_MS
    while (!existsSync(server.readyFile)) {
      if (existsSync(server.failedFile) || Date.now() > deadline) {
        const log = existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8').slice(-4000) : '(no log)'
        throw new Error(`The test PostgreSQL did not start (see .ci/run for how CI installs it). Its log:\n${log}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    return server
  })()
  return ready
}

let created = 0

/** Creates an empty database on the test server and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const server = await testPostgres()
  created += 1
  const name = `porch_test_${process.pid}_${created}_${Date.now().toString(36)}`
  return createDatabase(server, name)
}
