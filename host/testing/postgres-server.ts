/**
 * vitest global setup: one throwaway PostgreSQL server for the whole test run, for the
 * PostgreSQL store's tests (host/testing/postgres.ts makes a database per test file on it).
 *
 * It runs Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`, which .ci/run
 * installs when it is missing) from a temp folder: `initdb`, then `pg_ctl start` listening on
 * 127.0.0.1 on a free port (and a unix socket in that folder), fsync off. `initdb` refuses to
 * run as root, so as root both run as the `postgres` user the package creates.
 *
 * Starting it takes about 1.5 s, so it is not awaited here: the server starts in the background
 * while the widget is built (widget/testing/build-once.ts, the next global setup), and each test
 * file waits for the `ready` file the start leaves (or the `failed` one, with the server's log).
 * The teardown stops the server (immediate: nothing in it is kept) and deletes the folder.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { freePort } from './free-port.ts'

/** What a test file needs to reach the server (see host/testing/postgres.ts). */
export type TestPostgres = {
  /** Where the client programs are (`createdb`, `psql`). */
  bin: string
  host: string
  port: number
  user: string
  /** Appears once the server accepts connections; `failedFile` if it could not start. */
  readyFile: string
  failedFile: string
  logFile: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: TestPostgres
  }
}

const DEBIAN_ROOT = '/usr/lib/postgresql'

/** The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`, or an error that says how to get one. */
export function findPostgresBin(): string {
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(DEBIAN_ROOT, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL is not installed: no ${DEBIAN_ROOT}/*/bin/initdb. The PostgreSQL store's tests start a throwaway server of their own; ` +
        'install Debian\'s package as .ci/run does ("apt-get install postgresql").',
    )
  }
  return join(DEBIAN_ROOT, versions[0]!, 'bin')
}

/** `initdb` refuses root: as root, PostgreSQL's programs run as the `postgres` user. */
function asServerUser(): string[] {
  if (process.getuid?.() !== 0) return []
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    throw new Error("PostgreSQL is installed, but there is no `postgres` user to run it as (root may not run initdb); reinstall Debian's postgresql package.")
  }
  return ['runuser', '-u', 'postgres', '--']
}

/** The URL of an administrator's connection to `database` on a throwaway server. */
export const databaseUrl = (server: TestPostgres, database: string) => `postgres://${server.user}@${server.host}:${server.port}/${encodeURIComponent(database)}`

/** Creates an empty database (with `createdb`, so no client library is needed) and returns its URL. */
export async function createDatabase(server: TestPostgres, name: string): Promise<string> {
  await promisify(execFile)(join(server.bin, 'createdb'), ['-h', server.host, '-p', String(server.port), '-U', server.user, name])
  return databaseUrl(server, name)
}

/**
 * A started (or starting) throwaway server: `ready` settles once it accepts connections;
 * `dataDir` holds `postmaster.pid` (bench/stores.ts reads the server's CPU time through it).
 */
export type LaunchedPostgres = { server: TestPostgres; dataDir: string; ready: Promise<void>; stop(): Promise<void> }

/** Starts a throwaway server in a new temp folder; `stop` ends it and deletes the folder. */
export async function launchPostgres(): Promise<LaunchedPostgres> {
  const bin = findPostgresBin()
  const runAs = asServerUser()
  const dir = mkdtempSync(join(tmpdir(), 'porch-pg-'))
  if (runAs.length > 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    chownSync(dir, uid, gid)
  }
  const port = await freePort()
  const data = join(dir, 'data')
  const server: TestPostgres = {
    bin,
    host: '127.0.0.1',
    port,
    user: 'postgres',
    readyFile: join(dir, 'ready'),
    failedFile: join(dir, 'failed'),
    logFile: join(dir, 'server.log'),
  }
  const options = [
    `-c listen_addresses=${server.host}`,
    `-p ${port}`,
    `-k ${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ')
  // One shell line, so the start goes on while the event loop is blocked by the widget build.
  // The paths are passed as arguments, never spliced into the script.
  const script = [
    'set -e',
    'trap \'[ -e "$3" ] || echo failed > "$4"\' EXIT',
    '"$1/initdb" -D "$2" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 > "$5" 2>&1',
    '"$1/pg_ctl" start -D "$2" -w -s -l "$5" -o "$6"',
    'echo ready > "$3"',
  ].join('\n')
  const args = [...runAs, 'sh', '-c', script, 'start-postgres', bin, data, server.readyFile, server.failedFile, server.logFile, options]
  const starting = new Promise<void>((resolve) => {
    spawn(args[0]!, args.slice(1), { stdio: 'ignore' }).once('close', () => resolve())
  })
  const ready = starting.then(() => {
    if (!existsSync(server.readyFile)) {
      const log = existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8').slice(-4000) : '(no log)'
      throw new Error(`The throwaway PostgreSQL did not start. Its log:\n${log}`)
    }
  })
  ready.catch(() => {}) // the caller may never wait for it (the global setup does not)
  return {
    server,
    dataDir: data,
    ready,
    async stop() {
      await starting
      if (existsSync(join(data, 'postmaster.pid'))) {
        const stop = [...runAs, join(bin, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate', '-s']
        spawnSync(stop[0]!, stop.slice(1), { stdio: 'ignore' })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export default async function startPostgres(project: TestProject): Promise<() => Promise<void>> {
  const launched = await launchPostgres()
  project.provide('postgres', launched.server)
  return () => launched.stop()
}
