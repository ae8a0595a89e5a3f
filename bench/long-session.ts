/**
 * Budget: a session's turn 1,000 is as cheap to serve as turn 10 when its context is summarised.
 * A real host on SQLite, a sync agent on the bench model (bench/model-server.ts) with the
 * smallest context window an owner may set (1,000 tokens), so the older turns are summarised
 * every few turns (each summary is one more model call, on the turn that crosses the threshold).
 * One session is driven to `turns`; each of its last `sample` turns is paired with turn 10 of a
 * fresh session (its turns 1–9 run first, unmeasured), taken right before or after it
 * (alternately), so a neighbour's burst of load hits both sides of the ratio. Measured per turn:
 * the whole HTTP round trip (mean, which carries the summarising turns, and median), the
 * host's CPU (from /proc, summed over the measured requests), and the bytes of the model's last
 * request (what the host sends the model, which stays flat when the context is summarised).
 */
import { BENCH_TOKEN, startBenchHost } from './child-host.ts'
import { startModelServer } from './model-server.ts'
import { preciseCpuMs } from './process-cpu.ts'
import { median } from './stats.ts'

export type TurnCost = { meanMs: number; medianMs: number; cpuMsPerTurn: number; modelRequestBytes: number }
export type LongSession = {
  turns: number
  sample: number
  summaries: number
  late: TurnCost
  tenth: TurnCost
  /** late ÷ tenth: the median round trip, and the host's CPU per turn (all turns, the summarising ones included). */
  ratio: { medianMs: number; cpuMs: number }
}

export async function longSession({ turns = 1_000, sample = 100 } = {}): Promise<LongSession> {
  const model = await startModelServer({ tokens: 40 })
  const host = await startBenchHost({ env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'bench' } })
  try {
    const agentId = await createAgent(host.url)
    const url = `${host.url}/api/v1/published/${agentId}/chat/sync`
    const chat = async (sessionId: string, turn: number) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session_id: sessionId, request: `turn ${turn}: tell me more, tokens=40` }),
      })
      if (!response.ok) throw new Error(`turn ${turn} of ${sessionId} → HTTP ${response.status} ${await response.text()}`)
      await response.arrayBuffer()
    }
    const measure = async (sessionId: string, turn: number, into: { ms: number[]; cpuMs: number; bytes: number[] }) => {
      const cpuBefore = preciseCpuMs(host.pid)
      const started = performance.now()
      await chat(sessionId, turn)
      into.ms.push(performance.now() - started)
      into.cpuMs += preciseCpuMs(host.pid) - cpuBefore
      into.bytes.push(model.lastRequestBytes())
    }
    const late = { ms: [] as number[], cpuMs: 0, bytes: [] as number[] }
    const tenth = { ms: [] as number[], cpuMs: 0, bytes: [] as number[] }
    const freshTenth = async (index: number) => {
      const sessionId = `bench-fresh-${index < 0 ? `warm${-index}` : index}`
      for (let turn = 1; turn < 10; turn++) await chat(sessionId, turn)
      await measure(sessionId, 10, tenth)
    }
    // Warm-up: fresh sessions first, so neither side is the process's first code.
    for (let i = 0; i < 20; i++) await freshTenth(-1 - i)
    tenth.ms.length = 0
    tenth.bytes.length = 0
    tenth.cpuMs = 0
    const longId = 'bench-long'
    for (let turn = 1; turn <= turns; turn++) {
      if (turn <= turns - sample) {
        await chat(longId, turn)
        continue
      }
      if (turn % 2 === 0) await freshTenth(turn)
      await measure(longId, turn, late)
      if (turn % 2 === 1) await freshTenth(turn)
    }
    const summaries = await countSummaries(host.url, agentId, longId)
    const cost = (side: typeof late): TurnCost => ({
      meanMs: round(side.ms.reduce((sum, ms) => sum + ms, 0) / side.ms.length),
      medianMs: round(median(side.ms)),
      cpuMsPerTurn: round(side.cpuMs / side.ms.length),
      modelRequestBytes: Math.round(median(side.bytes)),
    })
    const lateCost = cost(late)
    const tenthCost = cost(tenth)
    return {
      turns,
      sample,
      summaries,
      late: lateCost,
      tenth: tenthCost,
      ratio: { medianMs: round(lateCost.medianMs / tenthCost.medianMs), cpuMs: round(lateCost.cpuMsPerTurn / tenthCost.cpuMsPerTurn) },
    }
  } finally {
    await host.stop()
    await model.close()
  }
}

const round = (value: number) => Math.round(value * 100) / 100

async function createAgent(url: string): Promise<string> {
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`${path} → ${response.status} ${await response.text()}`)
    return response.json() as Promise<{ id: string }>
  }
  const agent = await call('/agents', { name: 'bench', model: 'openai:bench', context_window: 1_000 })
  await call(`/agents/${agent.id}/publish`, { api_response_mode: 'non_streaming' })
  return agent.id
}

/** How many times the long session was summarised, from the owner's API. */
async function countSummaries(url: string, agentId: string, sessionId: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/agents/${agentId}/sessions/${sessionId}`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } })
  if (!response.ok) throw new Error(`the session's transcript → HTTP ${response.status}`)
  return ((await response.json()) as { context_summaries: unknown[] }).context_summaries.length
}
