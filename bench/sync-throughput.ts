/**
 * Sync chats per second through the whole host (HTTP, validation, runtime, SQLite writes) with
 * the instant demo model. The host runs in this process; the load comes from autocannon in a
 * separate process, so each has a core of the two.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadConfig } from '../host/config.ts'
import { silentLogger } from '../host/log.ts'
import { startHost } from '../host/server.ts'
import { ownerClient } from '../host/testing/harness.ts'

const autocannonBin = join(createRequire(import.meta.url).resolve('autocannon/package.json'), '..', 'autocannon.js')

export type LoadResult = { perSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; total: number }

/** Runs autocannon against `url` with a JSON POST body; returns requests/s and latency. */
export async function loadPost(url: string, body: unknown, { connections = 32, seconds = 10 } = {}): Promise<LoadResult> {
  const args = [autocannonBin, '--json', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', JSON.stringify(body), url]
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 })
  const report = JSON.parse(stdout)
  return {
    perSecond: report.requests.average,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    non2xx: report.non2xx,
    errors: report.errors,
    total: report.requests.total,
  }
}

export async function syncThroughput({ connections = 32, seconds = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-'))
  const token = 'bench-admin-token-0123456789abcdef'
  const host = await startHost(loadConfig({ PORT: '0', PORCH_DB: join(dir, 'bench.db'), PORCH_ADMIN_TOKEN: token, PORCH_RATE_CHAT_PER_MINUTE: '1000000' }), { log: silentLogger })
  try {
    const agent = await ownerClient(host.url, token).publishedAgent({ name: 'bench', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const url = `${host.url}/api/v1/published/${agent.id}/chat/sync`
    await loadPost(url, { request: 'warm up' }, { connections, seconds: 2 })
    return { connections, ...(await loadPost(url, { request: 'hello' }, { connections, seconds })) }
  } finally {
    await host.close(0)
    rmSync(dir, { recursive: true, force: true })
  }
}
