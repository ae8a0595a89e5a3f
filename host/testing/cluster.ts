/**
 * Several Porch hosts behind nginx, as in production: one PostgreSQL database (on the run's
 * throwaway server, host/testing/postgres.ts), one Redis (host/testing/redis-server.ts), N host
 * processes (host/testing/child-host.ts) and nginx in front running deploy/nginx/porch.conf
 * (host/testing/nginx.ts). Models are a fake OpenAI server (host/testing/fake-providers.ts):
 * agents that use CLUSTER_MODEL talk to it.
 *
 *   let cluster: Cluster
 *   beforeAll(async () => { cluster = await startCluster({ hosts: 3 }) })
 *   afterAll(() => cluster?.stop())
 *
 * nginx starts first, on upstream ports picked in advance, so every host gets the balancer's
 * URL as PORCH_PUBLIC_URL; the hosts then start together (each takes 1–2 s). A host keeps its
 * port across `kill` + `start` and `restart`, so nginx needs no reload for either.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChildHost, type Exit, startChildHost } from './child-host.ts'
import { type FakeProvider, type Script, startFakeOpenAI } from './fake-providers.ts'
import { freePort } from './free-port.ts'
import { type OwnerClient, ownerClient } from './harness.ts'
import { startTestNginx, type TestNginx } from './nginx.ts'
import { createTestDatabase } from './postgres.ts'
import { startTestRedis, type TestRedis } from './redis-server.ts'

/** The model of agents that answer from the cluster's fake OpenAI server. */
export const CLUSTER_MODEL = 'openai:gpt-test'
export const CLUSTER_ADMIN_TOKEN = 'cluster-test-admin-token-0123456789abcdef'

export type ClusterOptions = {
  /** How many hosts (default 3). */
  hosts?: number
  /** What the fake OpenAI server answers (default: a short streamed reply). */
  script?: Script
  /** More environment for every host (PORCH_SHUTDOWN_GRACE_SECONDS, rate limits…). */
  env?: Record<string, string>
}

export type Cluster = {
  /** nginx: the URL clients use. */
  url: string
  /** Each host's own URL, by index; it stays the same across kills and restarts. */
  hostUrls: string[]
  /** Each host's `127.0.0.1:port`, as nginx's access log names it (`AccessLogEntry.upstream`). */
  upstreams: string[]
  /** The owner API through the balancer, with the shared admin token. */
  owner: OwnerClient
  adminToken: string
  databaseUrl: string
  redis: TestRedis
  nginx: TestNginx
  fake: FakeProvider
  /** Host `i`'s current process (its output, for a failing test's message); null while it is down. */
  host(i: number): ChildHost | null
  /** SIGKILL to host `i`, as a crash; resolves once the process is gone. */
  kill(i: number): Promise<Exit>
  /** Starts host `i` again on its port (after `kill`). */
  start(i: number): Promise<void>
  /** A rolling restart of host `i`: SIGTERM (it finishes its runs, within its grace), then a start on the same port. */
  restart(i: number): Promise<Exit>
  /** Stops every process the cluster started and deletes its folder; safe to call twice, or after a failed test. */
  stop(): Promise<void>
}

/** Waits until every promise has settled (so a failure leaves nothing starting unseen), then as Promise.all. */
async function whenAllSettled<T>(promises: Promise<T>[]): Promise<T[]> {
  await Promise.allSettled(promises)
  return Promise.all(promises)
}

export async function startCluster({
  hosts = 3,
  script = [{ text: ['Hello ', 'from ', 'the ', 'fake ', 'model.'] }],
  env = {},
}: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-cluster-'))
  const processes: (ChildHost | null)[] = Array(hosts).fill(null)
  let redis: TestRedis | undefined
  let fake: FakeProvider | undefined
  let nginx: TestNginx | undefined
  let stopping: Promise<void> | undefined
  // Whatever has started, each step on its own: one that fails does not keep the others running.
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled(processes.map((child) => child?.kill('SIGKILL')))
      await Promise.allSettled([nginx?.stop(), fake?.close(), redis?.stop()])
      rmSync(dir, { recursive: true, force: true })
    })())

  try {
    // Each is kept as it starts, so that a failure of another still finds it to stop.
    const database = createTestDatabase()
    const freePorts = Promise.all(Array.from({ length: hosts }, () => freePort()))
    await whenAllSettled<unknown>([
      database,
      freePorts,
      startTestRedis().then((started) => (redis = started)),
      startFakeOpenAI(script).then((started) => (fake = started)),
    ])
    const [databaseUrl, ports] = [await database, await freePorts]
    const upstreams = ports.map((port) => `127.0.0.1:${port}`)
    nginx = await startTestNginx(upstreams)
    const shared = { redis: redis!, fake: fake!, nginx }

    const hostEnv = (i: number): Record<string, string> => ({
      PORT: String(ports[i]),
      PORCH_DATABASE_URL: databaseUrl,
      // Never written while PORCH_DATABASE_URL is set; here so no default ./data path is even considered.
      PORCH_DB: join(dir, `host-${i}.db`),
      PORCH_REDIS_URL: shared.redis.url,
      // nginx is the one proxy in front: the client IP is one entry from the right of X-Forwarded-For.
      PORCH_TRUST_PROXY: '1',
      PORCH_PUBLIC_URL: shared.nginx.url,
      PORCH_ADMIN_TOKEN: CLUSTER_ADMIN_TOKEN,
      PORCH_EXAMPLES_PORT: 'off',
      OPENAI_BASE_URL: shared.fake.url,
      OPENAI_API_KEY: 'sk-cluster-test',
      ...env,
    })
    const start = async (i: number) => {
      if (processes[i]) throw new Error(`host ${i} is running`)
      processes[i] = await startChildHost(hostEnv(i))
    }
    const running = (i: number) => {
      const child = processes[i]
      if (!child) throw new Error(`host ${i} is not running`)
      return child
    }
    const end = async (i: number, signal: NodeJS.Signals) => {
      const exit = await running(i).kill(signal)
      processes[i] = null
      return exit
    }
    await whenAllSettled(ports.map((_, i) => start(i)))

    return {
      url: nginx.url,
      hostUrls: ports.map((port) => `http://127.0.0.1:${port}`),
      upstreams,
      owner: ownerClient(nginx.url, CLUSTER_ADMIN_TOKEN),
      adminToken: CLUSTER_ADMIN_TOKEN,
      databaseUrl,
      ...shared,
      host: (i) => processes[i] ?? null,
      kill: (i) => end(i, 'SIGKILL'),
      start,
      async restart(i) {
        const exit = await end(i, 'SIGTERM')
        await start(i)
        return exit
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
