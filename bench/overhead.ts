/**
 * Budget: ≤ 2 ms median host overhead to first token. A model server on 127.0.0.1 streams a
 * fixed answer at once; in the same run, alternating, the same answer is asked for directly
 * from it and through Porch (SSE API, host in its own process, SQLite on). The overhead is
 * Porch's time minus the direct time of the pair, to the first token and to the end.
 */
import { publishAgent, startBenchHost } from './child-host.ts'
import { timePost, type Timing } from './http-timing.ts'
import { startModelServer } from './model-server.ts'
import { processCpuMs } from './process-cpu.ts'
import { median, percentile, round } from './stats.ts'

export type OverheadResult = {
  pairs: number
  /** The host's own CPU time (user + system) per chat, one chat at a time. */
  hostCpuMsPerChat: number
  direct: { firstTokenMedianMs: number; totalMedianMs: number }
  porch: { firstTokenMedianMs: number; totalMedianMs: number }
  firstToken: { medianMs: number; p99Ms: number }
  total: { medianMs: number; p99Ms: number }
}

export async function hostOverhead({ pairs = 500, warmup = 100, cpuProfDir }: { pairs?: number; warmup?: number; cpuProfDir?: string } = {}): Promise<OverheadResult> {
  const model = await startModelServer({ tokens: 20 })
  const host = await startBenchHost({ env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'bench' }, cpuProfDir })
  try {
    const agentId = await publishAgent(host.url, 'openai:bench', 'streaming')
    const direct = () =>
      timePost(`${model.baseURL}/chat/completions`, { model: 'bench', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hello' }] }, /"content"/)
    const porch = () => timePost(`${host.url}/api/v1/published/${agentId}/chat`, { request: 'hello' }, /event: text_delta/)
    const samples: { direct: Timing; porch: Timing }[] = []
    let cpuBefore = 0
    for (let i = 0; i < warmup + pairs; i++) {
      if (i === warmup) cpuBefore = processCpuMs(host.pid)
      // Alternate which goes first, so neither always finds the caches warmer.
      const pair = i % 2 === 0 ? { direct: await direct(), porch: await porch() } : { porch: await porch(), direct: await direct() }
      if (i >= warmup) samples.push(pair)
    }
    const hostCpuMsPerChat = round((processCpuMs(host.pid) - cpuBefore) / pairs)
    const diff = (key: keyof Timing) => samples.map((s) => s.porch[key] - s.direct[key])
    const med = (side: 'direct' | 'porch', key: keyof Timing) => round(median(samples.map((s) => s[side][key])))
    return {
      pairs,
      hostCpuMsPerChat,
      direct: { firstTokenMedianMs: med('direct', 'firstTokenMs'), totalMedianMs: med('direct', 'totalMs') },
      porch: { firstTokenMedianMs: med('porch', 'firstTokenMs'), totalMedianMs: med('porch', 'totalMs') },
      firstToken: { medianMs: round(median(diff('firstTokenMs'))), p99Ms: round(percentile(diff('firstTokenMs'), 99)) },
      total: { medianMs: round(median(diff('totalMs'))), p99Ms: round(percentile(diff('totalMs'), 99)) },
    }
  } finally {
    await host.stop()
    await model.close()
  }
}
