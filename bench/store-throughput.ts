/**
 * `npx tsx bench/store-throughput.ts`: sync chats/s through the whole host (its own process,
 * `demo:instant`, 32 connections for 8 s, autocannon in another process) on SQLite and on
 * PostgreSQL (a throwaway local server, host/testing/postgres-server.ts, fsync off), taking
 * turns twice. The PostgreSQL server shares the machine's cores with the host and the load.
 */
import { createDatabase, launchPostgres } from '../host/testing/postgres-server.ts'
import { loadPost } from './autocannon.ts'
import { publishAgent, startBenchHost } from './child-host.ts'
import { describeMachine } from './machine.ts'
import { processCpuMs } from './process-cpu.ts'
import { round } from './stats.ts'

const pg = await launchPostgres()
try {
  await pg.ready
  console.log(`Store throughput — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${describeMachine()}`)
  for (const store of ['sqlite', 'postgres', 'sqlite', 'postgres'] as const) {
    const env: Record<string, string> = store === 'postgres' ? { PORCH_DATABASE_URL: await createDatabase(pg.server, `throughput_${Date.now()}`) } : {}
    const host = await startBenchHost({ env })
    try {
      const agentId = await publishAgent(host.url, 'demo:instant', 'non_streaming')
      const url = `${host.url}/api/v1/published/${agentId}/chat/sync`
      await loadPost(url, { request: 'warm up' }, { connections: 32, seconds: 2 })
      const cpuBefore = processCpuMs(host.pid)
      const result = await loadPost(url, { request: 'hello' }, { connections: 32, seconds: 8 })
      const cpuMsPerChat = round((processCpuMs(host.pid) - cpuBefore) / result.total, 2)
      console.log(
        `${store}: ${Math.round(result.perSecond)} chats/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.non2xx + result.errors} failed, host CPU ${cpuMsPerChat} ms per chat`,
      )
    } finally {
      await host.stop()
    }
  }
} finally {
  await pg.stop()
}
