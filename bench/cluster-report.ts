/** bench/cluster.ts's results as the Markdown tables BENCHMARKS.md shows, and chats/s per core of each process. */
import type { ClusterBench, CpuPerChat, MeasuredLoad, SetupResult } from './cluster.ts'
import { SETUPS } from './cluster.ts'
import type { RedisPerChat } from './redis-stats.ts'
import { median } from './stats.ts'

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const ms = (value: number | null) => (value === null ? '–' : value.toFixed(2))
const cpuSum = (cpu: CpuPerChat) => cpu.hosts + cpu.postgres + (cpu.redis ?? 0) + cpu.nginx
const commandList = (c: RedisPerChat) =>
  Object.entries(c.commands)
    .map(([name, calls]) => `${name} ${calls.toFixed(2)}`)
    .join(', ')

type LoadKind = 'sync' | 'syncAtRate' | 'widget'

const loadName = (kind: LoadKind, c: ClusterBench) =>
  ({
    sync: 'sync, as fast as answered',
    syncAtRate: `sync, ${n(c.options.fixedRate)}/s`,
    widget: 'SSE as the widget: request_id, 20 tokens 1 per ms',
  })[kind]

export function clusterBenchLines(c: ClusterBench): string[] {
  const o = c.options
  const lines = [
    `cluster: ${c.postgres} (throwaway, fsync off), ${c.redis} (throwaway, no persistence), nginx (deploy/nginx/porch.conf, 1 worker), all on this machine; ` +
      `${o.connections} connections, ${o.seconds} s per load after ${o.warmupSeconds} s of warm-up; first token: ${o.overheadRounds} rounds; ` +
      `load average ${c.load.before.toFixed(2)} before, ${c.load.after.toFixed(2)} after`,
    '',
    '| round | setup | chats | chats/s | p50 / p99 | failed | CPU ms per chat: hosts + PostgreSQL + Redis + nginx = sum | cores busy: these / all | Redis commands / batches per chat |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of c.results) {
    for (const kind of ['sync', 'syncAtRate', 'widget'] as const) {
      const load: MeasuredLoad = r[kind]
      const cpu = load.cpuMsPerChat
      lines.push(
        `| ${r.round} | ${r.setup.name} | ${loadName(kind, c)} | ${n(load.perSecond)} | ${load.p50Ms} / ${load.p99Ms} ms | ${load.non2xx + load.errors} of ${n(load.total)} | ` +
          `${ms(cpu.hosts)} + ${ms(cpu.postgres)} + ${ms(cpu.redis)} + ${ms(cpu.nginx)} = ${ms(cpuSum(cpu))} | ` +
          `${((cpuSum(cpu) * load.perSecond) / 1000).toFixed(2)} / ${load.busyCores.toFixed(2)} | ` +
          `${load.redis ? `${load.redis.total.toFixed(2)} / ${load.redis.batches.toFixed(2)}` : '–'} |`,
      )
    }
  }
  lines.push(
    '',
    '| round | setup | to first token over direct: median / p99 | floor (a bare proxy): median | hosts CPU per SSE chat, one at a time |',
    '|---|---|---|---|---|',
  )
  for (const { round, setup, overhead: o } of c.results) {
    lines.push(
      `| ${round} | ${setup.name} | ${o.firstToken.medianMs} / ${o.firstToken.p99Ms} ms | ${o.proxyFirstToken.medianMs} ms | ${o.hostCpuMsPerChat} ms |`,
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
    row('SSE, request_id, 20 tokens 1 per ms', redis.ssePaced, redis.ssePaced.events.toFixed(1))
  }
  lines.push('')
  for (const setup of SETUPS) {
    const results = c.results.filter((r) => r.setup === setup)
    if (results.length === 0) continue
    for (const kind of ['syncAtRate', 'widget'] as const) lines.push(perCoreLine(`${setup.name}, ${loadName(kind, c)}`, results, kind))
  }
  return lines
}

/** Each process's chats per second per core it gets, from the median over the rounds of its CPU per chat. */
function perCoreLine(name: string, results: SetupResult[], kind: LoadKind): string {
  const cpu = results.map((r) => r[kind].cpuMsPerChat)
  const perCore = (key: keyof CpuPerChat) => {
    if (cpu[0]![key] === null) return '–'
    const each = median(cpu.map((x) => x[key] ?? 0))
    return `${n(1000 / each)}/s (${each.toFixed(2)} ms)`
  }
  return `${name}: chats per second per core of each: hosts ${perCore('hosts')}, PostgreSQL ${perCore('postgres')}, Redis ${perCore('redis')}, nginx ${perCore('nginx')}`
}
