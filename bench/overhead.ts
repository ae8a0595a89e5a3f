/**
 * Budget: ≤ 2 ms median host overhead to first token. A model server on 127.0.0.1 streams a
 * fixed answer at once; in the same run, in rotating order, the same answer is asked for
 * directly from it, through a bare pass-through proxy (the floor: bench/proxy-server.ts), and
 * through Porch (SSE API, host in its own process; SQLite unless `env` names a PostgreSQL
 * database, as bench/stores.ts does; or, with overheadThrough, hosts the caller started, as
 * bench/cluster.ts does behind nginx). An overhead is that path's time minus the direct time of
 * the same round, to the first token and to the end.
 */
import { randomUUID } from 'node:crypto'
import { publishAgent, startBenchHost } from './child-host.ts'
import { startFloorProcess } from './floor-process.ts'
import { type Timing, timePost } from './http-timing.ts'
import { type ModelServer, startModelServer } from './model-server.ts'
import { processCpuMs } from './process-cpu.ts'
import { median, percentile, round } from './stats.ts'

type Path = 'direct' | 'proxy' | 'porch'
type Spread = { medianMs: number; p99Ms: number }

export type OverheadResult = {
  rounds: number
  thinkMs: number
  /** The host's own CPU time (user + system) per chat, one chat at a time. */
  hostCpuMsPerChat: number
  /** Medians of each path's own times. */
  times: Record<Path, { firstTokenMs: number; totalMs: number }>
  /** Porch's overhead over the direct call. */
  firstToken: Spread
  total: Spread
  /** The floor's overhead over the direct call, to the first token. */
  proxyFirstToken: Spread
}

/** The agents' model for overheadThrough: `openai:bench`, answered by `model` once a host has benchModelEnv(model). */
export const BENCH_MODEL = 'openai:bench'
export const benchModelEnv = (model: ModelServer): Record<string, string> => ({ OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'bench' })

/**
 * `thinkMs`: the model server sends its headers at once and the answer that much later, as a
 * real provider does; work the host does between the two (such as the AI SDK building its
 * stream parser) then costs the visitor nothing. 0 (the budget's case): everything at once.
 * `env`: more of the host's environment (`PORCH_DATABASE_URL` to run it on PostgreSQL).
 */
export async function hostOverhead({
  rounds = 500,
  warmup = 100,
  thinkMs = 0,
  cpuProfDir,
  env = {},
}: {
  rounds?: number
  warmup?: number
  thinkMs?: number
  cpuProfDir?: string
  env?: Record<string, string>
} = {}): Promise<OverheadResult> {
  const model = await startModelServer({ tokens: 20 })
  const host = await startBenchHost({ env: { ...env, ...benchModelEnv(model) }, cpuProfDir })
  try {
    const agentId = await publishAgent(host.url, BENCH_MODEL, 'streaming')
    return await overheadThrough(model, {
      chatUrl: `${host.url}/api/v1/published/${agentId}/chat`,
      hostCpuMs: () => processCpuMs(host.pid),
      rounds,
      warmup,
      thinkMs,
    })
  } finally {
    await host.stop()
    await model.close()
  }
}

/**
 * The measurement itself, against hosts started by the caller (bench/cluster.ts: several, behind
 * nginx): `chatUrl` is the SSE chat of a published BENCH_MODEL agent on hosts that talk to
 * `model`; `hostCpuMs` reads the CPU time of every host behind it. `requestIds`: each chat sends
 * a request_id of its own, as the widget does (a run others can resume: in the shared mode its
 * events go to Redis too).
 */
export async function overheadThrough(
  model: ModelServer,
  {
    chatUrl,
    hostCpuMs,
    rounds = 500,
    warmup = 100,
    thinkMs = 0,
    requestIds = false,
  }: { chatUrl: string; hostCpuMs: () => number; rounds?: number; warmup?: number; thinkMs?: number; requestIds?: boolean },
): Promise<OverheadResult> {
  const proxy = await startFloorProcess('bench/proxy-server.ts', [model.url])
  try {
    const request = thinkMs > 0 ? `hello think=${thinkMs}` : 'hello'
    const run = randomUUID()
    let chats = 0
    const completion = { model: 'bench', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: request }] }
    const time: Record<Path, () => Promise<Timing>> = {
      direct: () => timePost(`${model.baseURL}/chat/completions`, completion, /"content"/),
      proxy: () => timePost(proxy.url, completion, /"content"/),
      porch: () => timePost(chatUrl, requestIds ? { request, request_id: `overhead-${run}-${++chats}` } : { request }, /event: text_delta/),
    }
    // Rotate which goes first, so none always finds the caches warmer.
    const orders: Path[][] = [
      ['direct', 'proxy', 'porch'],
      ['proxy', 'porch', 'direct'],
      ['porch', 'direct', 'proxy'],
    ]
    const samples: Record<Path, Timing>[] = []
    let cpuBefore = 0
    for (let i = 0; i < warmup + rounds; i++) {
      if (i === warmup) cpuBefore = hostCpuMs()
      const round = {} as Record<Path, Timing>
      for (const path of orders[i % orders.length]!) round[path] = await time[path]()
      if (i >= warmup) samples.push(round)
    }
    const hostCpuMsPerChat = round((hostCpuMs() - cpuBefore) / samples.length)
    const over = (path: Path, key: keyof Timing): Spread => {
      const differences = samples.map((s) => s[path][key] - s.direct[key])
      return { medianMs: round(median(differences)), p99Ms: round(percentile(differences, 99)) }
    }
    const own = (path: Path) => ({
      firstTokenMs: round(median(samples.map((s) => s[path].firstTokenMs))),
      totalMs: round(median(samples.map((s) => s[path].totalMs))),
    })
    return {
      rounds,
      thinkMs,
      hostCpuMsPerChat,
      times: { direct: own('direct'), proxy: own('proxy'), porch: own('porch') },
      firstToken: over('porch', 'firstTokenMs'),
      total: over('porch', 'totalMs'),
      proxyFirstToken: over('proxy', 'firstTokenMs'),
    }
  } finally {
    await proxy.stop()
  }
}
