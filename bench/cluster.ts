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
 * - sync chats through nginx (`demo:instant`, autocannon in another process, as
 *   bench/throughput.ts), as fast as they are answered, then at a fixed rate every setup keeps
 *   up with (CPU per chat at equal load), and SSE chats as the widget sends them (a request_id
 *   each, so with Redis their events go to a Redis Stream; 20 tokens streamed 1 per ms); for
 *   each, CPU per chat of the hosts, PostgreSQL, Redis and nginx, how busy the machine's cores
 *   were, and Redis's commands and request batches per chat under that load;
 * - overhead to the first token through nginx (bench/overhead.ts: SSE, a model server streaming
 *   20 tokens at once, Porch minus direct), with the widget's request_id, and the hosts' CPU
 *   per SSE chat;
 * - with Redis: its commands, batches and CPU per chat, one chat at a time (bench/redis-stats.ts),
 *   for a sync chat without request_id (the rate limit and the run's claim) and for SSE chats
 *   with a client request_id, their 20 tokens at once and 1 per ms.
 *
 * Results print as bench/cluster-report.ts lays them out.
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
import { visitDatabasesEverySecond } from './stores.ts'

export type Setup = { name: string; hosts: number; redis: boolean }

export const SETUPS: readonly Setup[] = [
  { name: 'one host, PostgreSQL + Redis', hosts: 1, redis: true },
  { name: 'three hosts, PostgreSQL + Redis', hosts: 3, redis: true },
  { name: 'one host, PostgreSQL, no Redis', hosts: 1, redis: false },
]

/** Milliseconds of CPU time per chat, by process. */
export type CpuPerChat = { hosts: number; postgres: number; redis: number | null; nginx: number }

/** A load from autocannon, and what it cost. */
export type MeasuredLoad = LoadResult & {
  cpuMsPerChat: CpuPerChat
  /** Cores the whole machine kept busy meanwhile (everything: the load generator and any neighbour too). */
  busyCores: number
  /** Redis's commands and request batches per chat under this load. */
  redis: RedisPerChat | null
}

/** Redis's work per chat, one chat at a time, each kind of chat. */
export type RedisCounts = { sync: RedisPerChat; sseAtOnce: RedisPerChat & { events: number }; ssePaced: RedisPerChat & { events: number } }

export type SetupResult = {
  round: number
  setup: Setup
  /** Sync chats as fast as they are answered. */
  sync: MeasuredLoad
  /** Sync chats at `options.fixedRate` a second, which every setup keeps up with: CPU per chat at equal load. */
  syncAtRate: MeasuredLoad
  /** SSE chats as the widget sends them: a request_id each, an answer of 20 tokens streamed 1 per ms. */
  widget: MeasuredLoad
  overhead: OverheadResult
  redis: RedisCounts | null
}

export type SetupOptions = {
  seconds: number
  warmupSeconds: number
  connections: number
  fixedRate: number
  overheadRounds: number
  overheadWarmup: number
  countedChats: number
}

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
    fixedRate: 500,
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
    const load = (url: string, body: unknown, more: { rate?: number; uniqueIds?: boolean } = {}) =>
      measuredLoad(cluster!, context, probe, () => loadPost(url, body, { connections: options.connections, seconds: options.seconds, ...more }))
    const syncAgent = await publishAgent(cluster.url, 'demo:instant', 'non_streaming')
    const syncUrl = `${cluster.url}/api/v1/published/${syncAgent}/chat/sync`
    await loadPost(syncUrl, { request: 'warm up' }, { connections: options.connections, seconds: options.warmupSeconds })
    const sync = await load(syncUrl, { request: 'hello' })
    const syncAtRate = await load(syncUrl, { request: 'hello' }, { rate: options.fixedRate })
    const streamingAgent = await publishAgent(cluster.url, BENCH_MODEL, 'streaming')
    const chatUrl = `${cluster.url}/api/v1/published/${streamingAgent}/chat`
    const widgetChat = { request: 'hello pace=1', request_id: '[<id>]' }
    await loadPost(chatUrl, widgetChat, { connections: options.connections, seconds: options.warmupSeconds, uniqueIds: true })
    const widget = await load(chatUrl, widgetChat, { uniqueIds: true })
    const overhead = await overheadThrough(context.model, {
      chatUrl,
      hostCpuMs: cluster.hostsCpuMs,
      rounds: options.overheadRounds,
      warmup: options.overheadWarmup,
      requestIds: true,
    })
    const counts = probe ? await redisCounts(cluster.url, syncAgent, streamingAgent, probe, options.countedChats) : null
    return { round, setup, sync, syncAtRate, widget, overhead, redis: counts }
  } finally {
    await cluster?.stop()
    probe?.close()
    await redis?.stop()
  }
}

/** Runs `load` and reads what it cost every process. */
async function measuredLoad(
  cluster: BenchCluster,
  context: SetupContext,
  probe: RedisProbe | undefined,
  load: () => Promise<LoadResult>,
): Promise<MeasuredLoad> {
  const read = async () => ({
    hosts: cluster.hostsCpuMs(),
    postgres: context.postgresCpuMs(),
    nginx: cluster.nginxCpuMs(),
    redis: probe ? await probe.read() : null,
    busyMs: machineBusyMs(),
    at: performance.now(),
  })
  const before = await read()
  const result = await load()
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

async function redisCounts(url: string, syncAgent: string, streamingAgent: string, probe: RedisProbe, chats: number): Promise<RedisCounts> {
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
