/**
 * Budget: 5,000 simultaneous open SSE streams with host RSS < 1 GB. Each stream is a real chat
 * whose model (bench/model-server.ts, `hold`) sent one token and then keeps its answer open, so
 * Porch holds both sides: the visitor's SSE response and its own request to the provider.
 * Heartbeats every second (`PORCH_HEARTBEAT_SECONDS=1`) are counted to prove the streams flow.
 * The host's RSS and event-loop delay come from bench/probe.ts inside it.
 */
import { Agent, type ClientRequest, request } from 'node:http'
import { publishAgent, startBenchHost } from './child-host.ts'
import { startFloorProcess } from './floor-process.ts'
import { median } from './stats.ts'

export type StreamsResult = {
  streams: number
  opened: number
  openSeconds: number
  pingsPerStreamPerSecond: number
  idleRssMb: number
  peakRssMb: number
  /** V8 heap and external (buffers) at the RSS peak: where the memory is. */
  atPeak: { heapMb: number; externalMb: number }
  loopDelay: { p50Ms: number; worstP99Ms: number; maxMs: number }
}

export async function openStreams({ streams = 5_000, holdSeconds = 10, batch = 250 } = {}): Promise<StreamsResult> {
  // In its own process: each stream's socket to the model would be one more open file here.
  const model = await startFloorProcess('bench/model-server.ts', [JSON.stringify({ hold: true })])
  const host = await startBenchHost({
    probe: true,
    raiseFileLimit: true,
    env: { OPENAI_BASE_URL: `${model.url}/v1`, OPENAI_API_KEY: 'bench', PORCH_HEARTBEAT_SECONDS: '1' },
  })
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
  const open: ClientRequest[] = []
  let pings = 0
  try {
    const agentId = await publishAgent(host.url, 'openai:bench', 'streaming')
    await waitForSamples(host.samples, 2)
    const idleRssMb = host.samples.at(-1)!.rssMb
    const url = `${host.url}/api/v1/published/${agentId}/chat`
    const body = JSON.stringify({ request: 'hold' })
    // Open in batches, each stream counted once its first token has arrived.
    const openOne = () =>
      new Promise<void>((resolve, reject) => {
        const req = request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`))
            res.setEncoding('utf8')
            let started = false
            res.on('data', (text: string) => {
              if (!started && text.includes('event: text_delta')) {
                started = true
                resolve()
              }
              pings += text.split(': ping').length - 1
            })
            res.on('error', () => {})
          },
        )
        req.on('error', reject)
        req.end(body)
        open.push(req)
      })
    for (let i = 0; i < streams; i += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, streams - i) }, openOne))
    }
    const opened = open.length
    const samplesBefore = host.samples.length
    const pingsBefore = pings
    const started = performance.now()
    await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000))
    const openSeconds = (performance.now() - started) / 1000
    const window = host.samples.slice(samplesBefore)
    const stillOpen = Number(await (await fetch(`${model.url}/open`)).text())
    if (stillOpen < streams) throw new Error(`only ${stillOpen} of ${streams} model streams stayed open`)
    return {
      streams,
      opened,
      openSeconds,
      pingsPerStreamPerSecond: (pings - pingsBefore) / opened / openSeconds,
      idleRssMb,
      peakRssMb: Math.max(...host.samples.map((s) => s.rssMb)),
      atPeak: (({ heapMb, externalMb }) => ({ heapMb, externalMb }))(host.samples.reduce((a, b) => (b.rssMb > a.rssMb ? b : a))),
      loopDelay: {
        p50Ms: median(window.map((s) => s.p50Ms)),
        worstP99Ms: Math.max(...window.map((s) => s.p99Ms)),
        maxMs: Math.max(...window.map((s) => s.maxMs)),
      },
    }
  } finally {
    for (const req of open) req.destroy()
    agent.destroy()
    await host.stop()
    await model.stop()
  }
}

async function waitForSamples(samples: unknown[], count: number) {
  while (samples.length < count) await new Promise((resolve) => setTimeout(resolve, 100))
}
