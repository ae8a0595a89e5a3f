/**
 * A throwaway Redis for tests: Debian's `redis-server` (which .ci/run installs when it is
 * missing), started in a temp folder, listening on 127.0.0.1 on a free port, with persistence
 * off (`--save '' --appendonly no`): a restart comes back empty, as a replaced Redis would.
 *
 * One server per test file (call `startTestRedis()` in beforeAll, `stop()` in afterAll), not one
 * per run as PostgreSQL is (host/testing/postgres-server.ts): a start takes about 10 ms, against
 * PostgreSQL's 1.5 s, and a server of its own lets a file FLUSHALL, kill -9 and restart it
 * without reaching into another file's tests.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import { findProgram, type ServerProcess, spawnServer } from './server-process.ts'

export type TestRedis = {
  /** `redis://127.0.0.1:<port>`, the form PORCH_REDIS_URL takes. */
  url: string
  port: number
  /** SIGKILL, as a crash: it is gone at once, its connections drop, and its port refuses. */
  kill(): Promise<void>
  /** Starts it again, empty, on the same port (killing it first if it still runs). */
  restart(): Promise<void>
  /** Ends it and deletes its folder. */
  stop(): Promise<void>
  /** What the server wrote since its last start (for a failing test's message). */
  output(): string
}

const READY = /Ready to accept connections/
const PORT_ATTEMPTS = 3

/** `redis-server`, or an error that says how to get it. */
export function findRedisServer(): string {
  const found = findProgram('redis-server', ['/usr/bin', '/usr/local/bin'])
  if (!found) {
    throw new Error(
      'redis-server is not installed. The shared-mode tests start a throwaway one; install Debian\'s package as .ci/run does ("apt-get install redis-server").',
    )
  }
  return found
}

async function launch(program: string, dir: string, port: number): Promise<ServerProcess> {
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no']
  const server = spawnServer(program, args, { cwd: dir })
  try {
    await server.waitForOutput(READY)
    return server
  } catch (error) {
    await server.stop('SIGKILL')
    throw error
  }
}

/** Starts a throwaway Redis in a new temp folder. */
export async function startTestRedis(): Promise<TestRedis> {
  const program = findRedisServer()
  const dir = mkdtempSync(join(tmpdir(), 'porch-redis-'))
  let port = 0
  let server: ServerProcess | undefined
  // The free port may be taken between the probe and redis-server's bind: then try another.
  for (let attempt = 1; server === undefined; attempt += 1) {
    port = await freePort()
    try {
      server = await launch(program, dir, port)
    } catch (error) {
      if (attempt === PORT_ATTEMPTS || !/Address already in use/.test(String(error))) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  let current: ServerProcess = server
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      await current.stop('SIGKILL')
    },
    async restart() {
      await current.stop('SIGKILL')
      current = await launch(program, dir, port)
    },
    async stop() {
      await current.stop('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
    output: () => current.output(),
  }
}
