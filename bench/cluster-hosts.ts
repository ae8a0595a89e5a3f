/**
 * Benchmarked hosts behind nginx: N host processes (bench/child-host.ts, as `npm start` runs the
 * host) with the same environment (one PostgreSQL database, one Redis or none), and a throwaway
 * nginx in front running the shipped deploy/nginx/porch.conf (host/testing/nginx.ts). Unlike
 * the tests' harness (host/testing/cluster.ts, whose hosts keep their ports across kills and
 * restarts), nothing here restarts: the hosts pick their own ports and nginx starts after them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startTestNginx, type TestNginx } from '../host/testing/nginx.ts'
import { type BenchHost, startBenchHost } from './child-host.ts'
import { processCpuMs, processTreeCpuMs } from './process-cpu.ts'

export type BenchCluster = {
  /** nginx: the URL every request goes to. */
  url: string
  hosts: BenchHost[]
  /** CPU time (user + system) of every host process together. */
  hostsCpuMs(): number
  /** nginx's master and worker, with the workers it has reaped. */
  nginxCpuMs(): number
  stop(): Promise<void>
}

export async function startBenchCluster({ hosts, env }: { hosts: number; env: Record<string, string> }): Promise<BenchCluster> {
  const started = await Promise.allSettled(Array.from({ length: hosts }, () => startBenchHost({ env })))
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  let nginx: TestNginx | undefined
  const stop = async () => {
    await Promise.allSettled([nginx?.stop(), ...running.map((host) => host.stop())])
  }
  try {
    for (const result of started) if (result.status === 'rejected') throw result.reason
    nginx = await startTestNginx(running.map((host) => new URL(host.url).host))
    const master = Number(readFileSync(join(nginx.dir, 'nginx.pid'), 'utf8'))
    return {
      url: nginx.url,
      hosts: running,
      hostsCpuMs: () => running.reduce((sum, host) => sum + processCpuMs(host.pid), 0),
      nginxCpuMs: () => processTreeCpuMs(master),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
