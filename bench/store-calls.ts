/**
 * What one chat asks of the store, call by call, timed in-process: the calls a new visitor's
 * sync chat makes in the host, in its order (host/routes/published.ts, host/runtime/runs/chat.ts):
 * the published agent, the trace's start, the model context (an empty session), the finished run.
 * One chat at a time, so on PostgreSQL each call's time is its round trips plus the server's
 * work; `roundTripUs` is a bare `SELECT 1` on the same server, for scale.
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import type { Store } from '../host/store/store.ts'
import { AgentConfigSchema } from '../shared/index.ts'
import type { OpenBenchStore } from './bench-store.ts'
import { median } from './stats.ts'

export const CHAT_CALLS = ['getPublishedAgent', 'startTrace', 'getModelContext', 'finishRun'] as const
export type ChatCall = (typeof CHAT_CALLS)[number]

/** Median µs of each call, and of the whole sequence. */
export type StoreCallTimes = { chats: number; medianUs: Record<ChatCall | 'chat', number> }

export async function storeCallTimes({
  open,
  chats = 1_000,
  warmup = 100,
}: {
  open: OpenBenchStore
  chats?: number
  warmup?: number
}): Promise<StoreCallTimes> {
  const { store, dispose } = await open()
  try {
    const agent = await store.createAgent({ name: 'bench', description: '', config: AgentConfigSchema.parse({ model: 'demo:instant' }) })
    await store.publish({ agentId: agent.id, apiResponseMode: 'non_streaming' })
    const samples: Record<ChatCall | 'chat', number[]> = { getPublishedAgent: [], startTrace: [], getModelContext: [], finishRun: [], chat: [] }
    for (let i = 0; i < warmup + chats; i++) {
      const times = await oneChat(store, agent.id)
      if (i < warmup) continue
      for (const call of CHAT_CALLS) samples[call].push(times[call])
      samples.chat.push(CHAT_CALLS.reduce((sum, call) => sum + times[call], 0))
    }
    const us = (values: number[]) => Math.round(median(values) * 1000)
    return {
      chats,
      medianUs: {
        getPublishedAgent: us(samples.getPublishedAgent),
        startTrace: us(samples.startTrace),
        getModelContext: us(samples.getModelContext),
        finishRun: us(samples.finishRun),
        chat: us(samples.chat),
      },
    }
  } finally {
    await dispose()
  }
}

/** One new visitor's sync chat's store calls, in order, each timed (ms). */
export async function oneChat(store: Store, agentId: string): Promise<Record<ChatCall, number>> {
  const times = {} as Record<ChatCall, number>
  const timed = async <T>(call: ChatCall, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await work()
    times[call] = performance.now() - started
    return result
  }
  const published = await timed('getPublishedAgent', () => store.getPublishedAgent(agentId))
  const session = { agentId, scope: 'public', sessionId: randomUUID() }
  const traceId = randomUUID()
  await timed('startTrace', () =>
    store.startTrace({
      traceId,
      instanceId: 'bench',
      ...session,
      version: published!.version.version,
      requestId: randomUUID(),
      startedAt: new Date().toISOString(),
    }),
  )
  await timed('getModelContext', () => store.getModelContext(session))
  await timed('finishRun', () =>
    store.finishRun({
      session,
      traceId,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hello' }], status: 'complete' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello! This is the demo agent.' }], status: 'complete' },
      ],
      outcome: { status: 'success', firstTokenMs: 0.1, totalMs: 0.2, turns: 1, inputTokens: 1, outputTokens: 7, toolCalls: [], error: null },
    }),
  )
  return times
}

/** Median µs of a prepared `SELECT 1` on one connection to `url`: the price of one round trip. */
export async function roundTripUs(url: string, calls = 2_000): Promise<number> {
  const sql = postgres(url, { max: 1, prepare: true, onnotice: () => {} })
  try {
    const times: number[] = []
    for (let i = 0; i < calls + 200; i++) {
      const started = performance.now()
      await sql`SELECT 1`
      if (i >= 200) times.push(performance.now() - started)
    }
    return Math.round(median(times) * 1000)
  } finally {
    await sql.end({ timeout: 1 })
  }
}
