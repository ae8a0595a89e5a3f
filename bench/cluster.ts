/**
 * `npm run bench -- --only=cluster`: the shared mode (several hosts on one PostgreSQL and one
 * Redis) behind nginx running the shipped deploy/nginx/porch.conf, measured in one run. Setups:
 * one host on PostgreSQL + Redis, three hosts on the same, and one host on PostgreSQL without
 * Redis (what Redis costs). Everything shares this machine's cores: PostgreSQL (a throwaway
 * server, bench/stores.ts's), Redis (a throwaway server per setup), nginx (one worker), the
 * hosts and the load generator, so three hosts cannot beat one on 2 cores; CPU per chat, read
 * from every process, is what says how it would scale. Per setup and round (the setups take
 * turns, as bench/stores.ts's stores do):
 *
 * - sync chats/s through nginx (`demo:instant`, autocannon in another process, as
 *   bench/throughput.ts), with CPU per chat of the hosts, PostgreSQL, Redis and nginx, how busy
 *   the machine's cores were, and Redis's commands and request batches per chat under that load;
 * - overhead to the first token through nginx (bench/overhead.ts: SSE, a model server streaming
 *   20 tokens, Porch minus direct), each chat with a request_id of its own as the widget sends
 *   (so with Redis its events go to a Redis Stream), with the hosts' CPU per SSE chat;
 * - with Redis: its commands and batches per chat, one chat at a time (bench/redis-stats.ts), for
 *   a sync chat without request_id (the rate limit and the run's claim) and for SSE chats with a
 *   client request_id (their events mirrored to a Redis Stream), 20 tokens at once and 1 per ms.
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { findPostgresBin, launchPostgres } from '../host/testing/postgres-server.ts'
import { startTestRedis, type TestRedis } from '../host/testing/redis-server.ts'
import { type LoadResult, loadPost } from './autocannon.ts'
import { benchDatabaseUrl } from './bench-store.ts'
import { publishAgent } from './child-host.ts'
import { type BenchCluster, startBenchCluster } from './cluster-hosts.ts'
import { type ModelServer, startModelServer } from './model-server.ts'
import { BENCH_MODEL, benchModelEnv, type OverheadResult, overheadThrough } from './overhead.ts'
import { processTreeCpuMs } from './process-cpu.ts'
import { minus, perChat, type RedisPerChat, type RedisProbe, redisPerChat, redisProbe, statsDelta } from './redis-stats.ts'
import { median } from './stats.ts'
import { visitDatabasesEverySecond } from './stores.ts'

export type Setup = { name: string; hosts: number; redis: boolean }

export const SETUPS: readonly Setup[] = [
  { name: 'one host, PostgreSQL + Redis', hosts: 1, redis: true },
  { name: 'three hosts, PostgreSQL + Redis', hosts: 3, redis: true },
  { name: 'one host, PostgreSQL, no Redis', hosts: 1, redis: false },
]

/** Milliseconds of CPU time per sync chat, by process. */
export type CpuPerChat = { hosts: number; postgres: number; redis: number | null; nginx: number }

export type SyncLoad = LoadResult & {
  cpuMsPerChat: CpuPerChat
  /** Cores the whole machine kept busy meanwhile (everything: the load generator and any neighbour too). */
  busyCores: number
  /** Redis's commands and request batches per chat under this load. */
  redis: RedisPerChat | null
}

/** Redis's work per chat, one chat at a time, each kind of chat. */
export type RedisCounts = { sync: RedisPerChat; sseAtOnce: RedisPerChat & { events: number }; ssePaced: RedisPerChat & { events: number } }

export type SetupResult = { round: number; setup: Setup; sync: SyncLoad; overhead: OverheadResult; redis: RedisCounts | null }

export type SetupOptions = { seconds: number; warmupSeconds: number; connections: number; overheadRounds: number; overheadWarmup: number; countedChats: number }

/** What the setups share: a fresh database for each, the database server's CPU time, the model server. */
export type SetupContext = { databaseUrl(): Promise<string>; postgresCpuMs(): number; model: ModelServer }

export type ClusterBench = {
  postgres: string
  redis: string
  options: SetupOptions
  results: SetupResult[]
  /** 1-minute load average before and after (2 cores: above 2 means something else wanted the CPU). */
  load: { before: number; after: number }
}

export async function clusterBench({ rounds = 2, quick = false } = {}): Promise<ClusterBench> {
  const before = loadavg()[0]!
  const options: SetupOptions = {
    seconds: quick ? 5 : 10,
    warmupSeconds: 2,
    connections: 32,
    overheadRounds: quick ? 200 : 500,
    overheadWarmup: 100,
    countedChats: quick ? 50 : 200,
  }
  const pg = await launchPostgres()
  const model = await startModelServer({ tokens: 20 })
  try {
    await pg.ready
    await visitDatabasesEverySecond(pg.server)
    // The first line of postmaster.pid is the server's process, parent of one process per connection.
    const postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    const context: SetupContext = { databaseUrl: () => benchDatabaseUrl(pg.server), postgresCpuMs: () => processTreeCpuMs(postmaster), model }
    const results: SetupResult[] = []
    let redisVersion = 'unknown'
    for (let round = 1; round <= rounds; round++) {
      // Every other round backwards, so no setup always runs first (or last) in a round.
      for (const setup of round % 2 === 1 ? SETUPS : [...SETUPS].reverse()) {
        console.log(`cluster: round ${round}, ${setup.name}…`)
        results.push(await benchSetup(setup, round, context, options, (version) => (redisVersion = version)))
      }
    }
    return {
      postgres: `PostgreSQL ${basename(dirname(findPostgresBin()))}`,
      redis: `Redis ${redisVersion}`,
      options,
      results,
      load: { before, after: loadavg()[0]! },
    }
  } finally {
    await model.close()
    await pg.stop()
  }
}

/** One setup, started on a new database (and a new Redis), measured, and stopped. */
export async function benchSetup(
  setup: Setup,
  round: number,
  context: SetupContext,
  options: SetupOptions,
  onRedisVersion: (version: string) => void = () => {},
): Promise<SetupResult> {
  let redis: TestRedis | undefined
  let probe: RedisProbe | undefined
  let cluster: BenchCluster | undefined
  try {
    if (setup.redis) {
      redis = await startTestRedis()
      probe = redisProbe(redis.url)
      onRedisVersion(await probe.version())
    }
    cluster = await startBenchCluster({
      hosts: setup.hosts,
      env: {
        PORCH_DATABASE_URL: await context.databaseUrl(),
        ...(redis ? { PORCH_REDIS_URL: redis.url } : {}),
        // nginx is the one proxy in front, as deploy/nginx/porch.conf says to set it.
        PORCH_TRUST_PROXY: '1',
        ...benchModelEnv(context.model),
      },
    })
    const sync = await syncLoad(cluster, context, probe, options)
    const streamingAgent = await publishAgent(cluster.url, BENCH_MODEL, 'streaming')
    const overhead = await overheadThrough(context.model, {
      chatUrl: `${cluster.url}/api/v1/published/${streamingAgent}/chat`,
      hostCpuMs: cluster.hostsCpuMs,
      rounds: options.overheadRounds,
      warmup: options.overheadWarmup,
      requestIds: true,
    })
    const counts = probe ? await redisCounts(cluster.url, streamingAgent, probe, options.countedChats) : null
    return { round, setup, sync, overhead, redis: counts }
  } finally {
    await cluster?.stop()
    probe?.close()
    await redis?.stop()
  }
}

async function syncLoad(cluster: BenchCluster, context: SetupContext, probe: RedisProbe | undefined, options: SetupOptions): Promise<SyncLoad> {
  const agentId = await publishAgent(cluster.url, 'demo:instant', 'non_streaming')
  const url = `${cluster.url}/api/v1/published/${agentId}/chat/sync`
  const { connections } = options
  await loadPost(url, { request: 'warm up' }, { connections, seconds: options.warmupSeconds })
  const read = async () => ({
    hosts: cluster.hostsCpuMs(),
    postgres: context.postgresCpuMs(),
    nginx: cluster.nginxCpuMs(),
    redis: probe ? await probe.read() : null,
    busyMs: machineBusyMs(),
    at: performance.now(),
  })
  const before = await read()
  const result = await loadPost(url, { request: 'hello' }, { connections, seconds: options.seconds })
  const after = await read()
  const each = (ms: number) => ms / Math.max(1, result.total)
  const redis = before.redis && after.redis ? statsDelta(before.redis, after.redis) : null
  return {
    ...result,
    cpuMsPerChat: {
      hosts: each(after.hosts - before.hosts),
      postgres: each(after.postgres - before.postgres),
      redis: redis ? each(redis.cpuMs) : null,
      nginx: each(after.nginx - before.nginx),
    },
    busyCores: (after.busyMs - before.busyMs) / (after.at - before.at),
    // The probe's one INFO in the window is taken out; a heartbeat per host every 2 s stays in (noise).
    redis: redis ? perChat(minus(redis, { commands: { info: 1 }, batches: 1, cpuMs: 0 }), result.total) : null,
  }
}

async function redisCounts(url: string, streamingAgent: string, probe: RedisProbe, chats: number): Promise<RedisCounts> {
  const syncAgent = await publishAgent(url, 'demo:instant', 'non_streaming')
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/api/v1/published/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${path} → ${response.status} ${text}`)
    return text
  }
  const sync = await redisPerChat(probe, chats, async () => void (await post(`${syncAgent}/chat/sync`, { request: 'hello' })))
  // Each client request_id is new: a run of its own, its events mirrored to its stream.
  const sse = async (request: string, prefix: string) => {
    let events = 0
    const counts = await redisPerChat(probe, chats, async (i) => {
      const text = await post(`${streamingAgent}/chat`, { request, request_id: `${prefix}-${i}` })
      events += text.match(/^id: /gm)?.length ?? 0
    })
    return { ...counts, events: events / chats }
  }
  return { sync, sseAtOnce: await sse('hello', 'at-once'), ssePaced: await sse('hello pace=1', 'paced') }
}

/** CPU time the whole machine spent busy (every core, every process), from /proc/stat. */
function machineBusyMs(): number {
  // Steal (time the hypervisor gave other machines) is not this machine's work.
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return ((user! + nice! + system! + irq! + softirq!) * 1000) / 100
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const ms = (value: number | null) => (value === null ? '–' : value.toFixed(2))
const commandList = (c: RedisPerChat) =>
  Object.entries(c.commands)
    .map(([name, calls]) => `${name} ${calls.toFixed(2)}`)
    .join(', ')

/** The run as Markdown tables (as BENCHMARKS.md shows them), then chats/s per core of each process. */
export function clusterBenchLines(c: ClusterBench): string[] {
  const o = c.options
  const lines = [
    `cluster: ${c.postgres} (throwaway, fsync off), ${c.redis} (throwaway, no persistence), nginx (deploy/nginx/porch.conf, 1 worker), all on this machine; ` +
      `sync: demo:instant, ${o.connections} connections, ${o.seconds} s after ${o.warmupSeconds} s of warm-up; first token: ${o.overheadRounds} rounds; ` +
      `load average ${c.load.before.toFixed(2)} before, ${c.load.after.toFixed(2)} after`,
    '',
    '| round | setup | sync chats/s | p50 / p99 | failed | CPU ms per sync chat: hosts + PostgreSQL + Redis + nginx = sum | cores busy: these / all | Redis commands / batches per chat under load | to first token over direct: median / p99 | hosts CPU per SSE chat |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const { round, setup, sync: s, overhead } of c.results) {
    const cpu = s.cpuMsPerChat
    const sum = cpu.hosts + cpu.postgres + (cpu.redis ?? 0) + cpu.nginx
    lines.push(
      `| ${round} | ${setup.name} | ${n(s.perSecond)} | ${s.p50Ms} / ${s.p99Ms} ms | ${s.non2xx + s.errors} of ${n(s.total)} | ` +
        `${ms(cpu.hosts)} + ${ms(cpu.postgres)} + ${ms(cpu.redis)} + ${ms(cpu.nginx)} = ${ms(sum)} | ${((sum * s.perSecond) / 1000).toFixed(2)} / ${s.busyCores.toFixed(2)} | ` +
        `${s.redis ? `${s.redis.total.toFixed(2)} / ${s.redis.batches.toFixed(2)}` : '–'} | ` +
        `${overhead.firstToken.medianMs} / ${overhead.firstToken.p99Ms} ms | ${overhead.hostCpuMsPerChat} ms |`,
    )
  }
  lines.push(
    '',
    '| round | setup | chat, one at a time | events | Redis commands per chat | commands | batches | Redis CPU per chat |',
    '|---|---|---|---|---|---|---|---|',
  )
  for (const { round, setup, redis } of c.results) {
    if (!redis) continue
    const row = (kind: string, counts: RedisPerChat, events: string) =>
      lines.push(
        `| ${round} | ${setup.name} | ${kind} | ${events} | ${commandList(counts)} | ${counts.total.toFixed(2)} | ${counts.batches.toFixed(2)} | ${n(counts.cpuUs)} µs |`,
      )
    row('sync, no request_id', redis.sync, '–')
    row('SSE, request_id, 20 tokens at once', redis.sseAtOnce, redis.sseAtOnce.events.toFixed(1))
    row('SSE, request_id, 1 token per ms', redis.ssePaced, redis.ssePaced.events.toFixed(1))
  }
  lines.push('', ...perCoreLines(c))
  return lines
}

/** Each process's sync chats per second per core it gets, from the median of its CPU per chat over the rounds of a setup. */
function perCoreLines(c: ClusterBench): string[] {
  return SETUPS.flatMap((setup) => {
    const cpu = c.results.filter((r) => r.setup === setup).map((r) => r.sync.cpuMsPerChat)
    if (cpu.length === 0) return []
    const perCore = (key: keyof CpuPerChat) => {
      if (cpu[0]![key] === null) return '–'
      const each = median(cpu.map((x) => x[key] ?? 0))
      return `${n(1000 / each)}/s (${each.toFixed(2)} ms)`
    }
    return [
      `${setup.name}, sync chats per second per core of each (median CPU per chat over the rounds): hosts ${perCore('hosts')}, ` +
        `PostgreSQL ${perCore('postgres')}, Redis ${perCore('redis')}, nginx ${perCore('nginx')}`,
    ]
  })
}
