/**
 * A throwaway nginx in front of test hosts, running the production configuration
 * (deploy/nginx/porch.conf) so the tests exercise the file operators install. Debian's `nginx`
 * (which .ci/run installs when it is missing) runs in the foreground from a temp folder, with
 * its pid file, temp paths and access log there and its error log on stderr (kept in memory).
 *
 * The configuration is generated from the production file (`testNginxConfig`): the upstream's
 * servers become the test's hosts, the HTTPS listen lines become one plain listen on 127.0.0.1
 * and a free port, the ssl_ lines and the port-80 redirect server go, and the access log goes to
 * the temp folder. Every other line (the proxy_ directives above all) is kept as written; a
 * production file this cannot find its way around fails the generation rather than being
 * tested half.
 *
 * One worker process, so the round-robin order is one worker's, and a test can predict it.
 * As root, the master drops its workers to nginx's default user (nobody), as in production: the
 * temp folder is made traversable for them.
 */
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort } from './free-port.ts'
import { findProgram, type ServerProcess, spawnServer } from './server-process.ts'

export const PRODUCTION_CONFIG = fileURLToPath(new URL('../../deploy/nginx/porch.conf', import.meta.url))

/** One line of the access log, in the `porch` log_format of deploy/nginx/porch.conf. */
export type AccessLogEntry = {
  time: string
  client: string
  method: string
  /** The path, link tokens replaced by `[token]`, without the query string. */
  path: string
  status: number
  bytes: number
  seconds: number
  /** The host that answered, as `127.0.0.1:port`; `a, b` when nginx tried a, then b. */
  upstream: string
  upstream_status: string
  upstream_seconds: string
}

export type TestNginx = {
  /** `http://127.0.0.1:<port>`: the balancer's URL. */
  url: string
  port: number
  /** The temp folder: configuration, pid file, access log, temp paths. */
  dir: string
  /** The access log so far, one entry per finished request. */
  accessLog(): AccessLogEntry[]
  /**
   * Regenerates the configuration with these upstream servers (`127.0.0.1:port`), checks it with
   * `nginx -t`, and reloads it (SIGHUP). Resolves once the old worker has exited, so every
   * request sent afterwards goes by the new list; the old worker first finishes the requests it
   * has under way, so end open streams before reloading, or the reload waits for them.
   */
  reload(upstreams: string[]): Promise<void>
  /** Stops it (SIGTERM: open connections are closed) and deletes its folder. */
  stop(): Promise<void>
  /** The error log so far (notice level: starts, reloads, failed upstream connections). */
  output(): string
}

const PORT_ATTEMPTS = 3
const run = promisify(execFile)

/** `nginx`, or an error that says how to get it. */
export function findNginx(): string {
  const found = findProgram('nginx', ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'])
  if (!found)
    throw new Error(
      'nginx is not installed. The cluster tests put a throwaway one in front of the hosts; install Debian\'s package as .ci/run does ("apt-get install nginx").',
    )
  return found
}

/** Cuts the top-level `server { … }` block whose text matches `inside` out of `config`. */
function withoutServerBlock(config: string, inside: RegExp): string {
  for (const start of config.matchAll(/^server\s*\{/gm)) {
    let depth = 0
    for (let i = start.index; i < config.length; i += 1) {
      if (config[i] === '{') depth += 1
      else if (config[i] === '}' && --depth === 0) {
        const block = config.slice(start.index, i + 1)
        if (inside.test(block)) return config.slice(0, start.index) + config.slice(i + 1)
        break
      }
    }
  }
  throw new Error(`deploy/nginx/porch.conf: no top-level server block matching ${inside}`)
}

/** Replaces what `pattern` matches with `replacement`, and insists it matched `expected` times. */
function replaceCounted(config: string, pattern: RegExp, replacement: (index: number) => string, expected: (count: number) => boolean, what: string): string {
  let count = 0
  const replaced = config.replace(pattern, () => replacement(count++))
  if (!expected(count)) throw new Error(`deploy/nginx/porch.conf: found ${count} ${what}; host/testing/nginx.ts needs to know the new layout`)
  return replaced
}

/** The test's configuration for nginx (a whole nginx.conf), from the production file's text. */
export function testNginxConfig(production: string, { upstreams, port, dir }: { upstreams: string[]; port: number; dir: string }): string {
  if (upstreams.length === 0) throw new Error('nginx needs at least one upstream server')
  let config = withoutServerBlock(production, /\breturn\s+301\b/)
  // The production servers' parameters (max_fails, fail_timeout) are kept for the test's servers.
  const parameters = /^upstream porch \{[^}]*?^[ \t]*server \S+?([ \t][^;]*)?;/m.exec(config)?.[1] ?? ''
  config = config.replace(/^upstream porch \{[^}]*\}/m, (block) =>
    replaceCounted(
      block,
      /^([ \t]*)server [^;]+;\n/gm,
      (i) => (i === 0 ? upstreams.map((server) => `    server ${server}${parameters};\n`).join('') : ''),
      (n) => n > 0,
      'server lines in `upstream porch`',
    ),
  )
  if (!config.includes(`server ${upstreams[0]}${parameters};`)) throw new Error('deploy/nginx/porch.conf: no `upstream porch { … }` block')
  config = replaceCounted(
    config,
    /^([ \t]*)listen [^;]+;\n/gm,
    (i) => (i === 0 ? `    listen 127.0.0.1:${port};\n` : ''),
    (n) => n > 0,
    'listen lines',
  )
  config = replaceCounted(
    config,
    /^[ \t]*ssl_\w+ [^;]+;\n/gm,
    () => '',
    () => true,
    'ssl_ lines',
  )
  config = replaceCounted(
    config,
    /access_log \S+ porch;/g,
    () => `access_log ${join(dir, 'access.log')} porch;`,
    (n) => n === 1,
    'access_log lines',
  )
  const temp = (name: string) => `    ${name}_temp_path ${join(dir, name)};`
  return [
    '# Generated by host/testing/nginx.ts for a test, from deploy/nginx/porch.conf.',
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    'error_log stderr notice;',
    'events {',
    '    worker_connections 1024;',
    '}',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    config,
    '}',
    '',
  ].join('\n')
}

const WORKER_STARTED = /start worker process (\d+)/g

/** The pids of the workers the master says it started in `output`. */
const workersStartedIn = (output: string) => [...output.matchAll(WORKER_STARTED)].map((match) => Number(match[1]))

/** Starts a throwaway nginx balancing over `upstreams` (`127.0.0.1:port` each). */
export async function startTestNginx(upstreams: string[]): Promise<TestNginx> {
  const program = findNginx()
  const production = readFileSync(PRODUCTION_CONFIG, 'utf8')
  const dir = mkdtempSync(join(tmpdir(), 'porch-nginx-'))
  // As root the workers run as nobody: they must reach the temp paths the master creates (and
  // chowns to them) inside this folder.
  if (process.getuid?.() === 0) chmodSync(dir, 0o711)
  const configPath = join(dir, 'nginx.conf')
  const args = ['-p', dir, '-e', 'stderr', '-c', configPath]

  let port = 0
  let server: ServerProcess | undefined
  for (let attempt = 1; server === undefined; attempt += 1) {
    port = await freePort()
    writeFileSync(configPath, testNginxConfig(production, { upstreams, port, dir }))
    const started = spawnServer(program, args, { cwd: dir, exitSignal: 'SIGTERM' })
    try {
      await started.waitForOutput(/start worker process \d+/)
      server = started
    } catch (error) {
      await started.stop('SIGTERM')
      if (attempt === PORT_ATTEMPTS || !/Address already in use/.test(String(error))) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  const nginx: ServerProcess = server
  let workers = workersStartedIn(nginx.output())

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    accessLog() {
      const path = join(dir, 'access.log')
      if (!existsSync(path)) return []
      return readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AccessLogEntry)
    },
    async reload(next) {
      writeFileSync(configPath, testNginxConfig(production, { upstreams: next, port, dir }))
      // A configuration nginx refuses at a reload is only logged, the old one kept: check it first.
      await run(program, ['-t', '-q', ...args]).catch((error: { stderr?: string }) => {
        throw new Error(`nginx refuses the new configuration:\n${error.stderr ?? error}`)
      })
      const from = nginx.output().length
      nginx.child.kill('SIGHUP')
      await nginx.waitForOutput(/start worker process \d+/, { from })
      // The old worker stops accepting at once, finishes what it has under way, closes its idle
      // connections and exits; the master then logs this. Waiting for it (not for the worker's
      // own "gracefully shutting down", logged before it closes them) means the closes of idle
      // client connections have reached this process before any new request is sent.
      for (const pid of workers) await nginx.waitForOutput(new RegExp(`worker process ${pid} exited`), { from, timeoutMs: 60_000 })
      // Let this process handle those closes (their I/O events may sit behind the log line's).
      await new Promise((resolve) => setImmediate(resolve))
      workers = workersStartedIn(nginx.output().slice(from))
    },
    async stop() {
      await nginx.stop('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
    output: () => nginx.output(),
  }
}
