/** Load from autocannon in its own process, so the load generator never shares the host's core. */
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'

const autocannonBin = join(createRequire(import.meta.url).resolve('autocannon/package.json'), '..', 'autocannon.js')

export type LoadResult = { perSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; total: number; connections: number }

/**
 * POSTs `body` as JSON to `url` from `connections` connections for `seconds`; requests/s and
 * latency. `rate`: at most that many requests per second in all (default: as fast as answered);
 * `uniqueIds`: each request gets its own id wherever the body says `[<id>]` (a request_id).
 */
export async function loadPost(
  url: string,
  body: unknown,
  { connections = 32, seconds = 10, rate, uniqueIds = false }: { connections?: number; seconds?: number; rate?: number; uniqueIds?: boolean } = {},
): Promise<LoadResult> {
  const args = [
    autocannonBin,
    '--json',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    JSON.stringify(body),
    ...(rate === undefined ? [] : ['-R', String(rate)]),
    ...(uniqueIds ? ['-I'] : []),
    url,
  ]
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 })
  const report = JSON.parse(stdout)
  return {
    perSecond: report.requests.average,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    non2xx: report.non2xx,
    errors: report.errors,
    total: report.requests.total,
    connections,
  }
}
