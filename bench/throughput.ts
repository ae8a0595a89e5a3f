/**
 * Budget: ≥ 2,000 sync chats/s (instant model, 2 cores, SQLite on). Chats per second through the
 * whole host (its own process: HTTP, validation, runtime, SQLite writes) with `demo:instant`,
 * for the sync API and for SSE chats, against the floor of bench/baseline-server.ts doing the
 * same writes. Load comes from autocannon in another process; each gets about a core.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoadResult, loadPost } from './autocannon.ts'
import { publishAgent, startBenchHost } from './child-host.ts'
import { startFloorProcess } from './floor-process.ts'
import { processCpuMs } from './process-cpu.ts'

/**
 * `cpuMsPerChat`: the server's own CPU time per chat (user + system), steadier than rates on a
 * shared machine; `databaseCpuMsPerChat`: a database server's, when one was named (PostgreSQL).
 */
export type Throughput = LoadResult & { cpuMsPerChat: number; databaseCpuMsPerChat?: number }

export type ThroughputResult = { sync: Throughput; sse: Throughput; baseline: Throughput; syncRatio: number; sseRatio: number }

type LoadOptions = { connections?: number; seconds?: number }

/**
 * `env`: more of the host's environment (`PORCH_DATABASE_URL` to run it on PostgreSQL, as
 * bench/stores.ts does); `databaseCpuMs`: reads the database server's CPU time, to count it too.
 */
type HostOptions = { cpuProfDir?: string; env?: Record<string, string>; databaseCpuMs?: () => number }

export async function chatThroughput(options: LoadOptions & { cpuProfDir?: string } = {}): Promise<ThroughputResult> {
  const baseline = await baselineThroughput(options)
  const sync = await porchThroughput('non_streaming', options)
  const sse = await porchThroughput('streaming', options)
  return { sync, sse, baseline, syncRatio: sync.perSecond / baseline.perSecond, sseRatio: sse.perSecond / baseline.perSecond }
}

export async function porchThroughput(
  mode: 'streaming' | 'non_streaming',
  { connections = 32, seconds = 10, cpuProfDir, env, databaseCpuMs }: LoadOptions & HostOptions = {},
): Promise<Throughput> {
  const host = await startBenchHost({ cpuProfDir, env })
  try {
    const agentId = await publishAgent(host.url, 'demo:instant', mode)
    const url = `${host.url}/api/v1/published/${agentId}/${mode === 'streaming' ? 'chat' : 'chat/sync'}`
    await loadPost(url, { request: 'warm up' }, { connections, seconds: 2 })
    const databaseBefore = databaseCpuMs?.()
    const result = await measured(host.pid, () => loadPost(url, { request: 'hello' }, { connections, seconds }))
    if (databaseBefore === undefined) return result
    return { ...result, databaseCpuMsPerChat: (databaseCpuMs!() - databaseBefore) / Math.max(1, result.total) }
  } finally {
    await host.stop()
  }
}

export async function baselineThroughput({ connections = 32, seconds = 10 }: LoadOptions = {}): Promise<Throughput> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-'))
  const floor = await startFloorProcess('bench/baseline-server.ts', [join(dir, 'baseline.db')])
  try {
    await loadPost(floor.url, { request: 'warm up' }, { connections, seconds: 2 })
    return await measured(floor.pid, () => loadPost(floor.url, { request: 'hello' }, { connections, seconds }))
  } finally {
    await floor.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function measured(pid: number, load: () => Promise<LoadResult>): Promise<Throughput> {
  const before = processCpuMs(pid)
  const result = await load()
  return { ...result, cpuMsPerChat: (processCpuMs(pid) - before) / Math.max(1, result.total) }
}
