/**
 * What every family of the store contract shares: the target under test, and helpers that make
 * data of their own. The suite uses only the `Store` interface (no SQL, no driver), and every
 * test creates its own agents, sessions and keys with fresh ids, so it can run against a
 * database other tests use at the same time.
 */
import { randomUUID } from 'node:crypto'
import { AgentConfigSchema } from '../../../shared/index.ts'
import type { AgentRecord, FinishedRun, SessionKey, Store, TraceStart } from '../store.ts'

export type StoreContractTarget = {
  /**
   * Opens a Store on the suite's database. Each call returns a new instance on the same
   * database, as a second host process would open it; the suite opens several at once to test
   * what two hosts sharing one database must get right.
   */
  open(): Promise<Store>
  /** Closes an instance `open` returned. */
  close(store: Store): Promise<void>
}

export const uid = (prefix = 't') => `${prefix}-${randomUUID()}`

export const config = (over: Record<string, unknown> = {}) => AgentConfigSchema.parse(over)

export const newAgent = (store: Store, over: Record<string, unknown> = {}): Promise<AgentRecord> =>
  store.createAgent({ name: uid('agent'), description: 'an agent of the contract suite', config: config(over) })

export const sessionOf = (agent: AgentRecord, scope = 'public'): SessionKey => ({ agentId: agent.id, scope, sessionId: uid('s') })

/** The host instance the suite's runs claim (registered by the tests of interrupted runs only). */
export const SUITE_INSTANCE = uid('instance')

export const traceStart = (key: SessionKey, traceId = randomUUID(), startedAt = new Date().toISOString(), instanceId = SUITE_INSTANCE): TraceStart => ({
  traceId,
  instanceId,
  agentId: key.agentId,
  version: 1,
  sessionId: key.sessionId,
  scope: key.scope,
  requestId: uid('r'),
  startedAt,
})

export const text = (value: string) => [{ type: 'text' as const, text: value }]

/** A whole turn: the visitor's message and the agent's answer, under one trace. */
export const turn = (key: SessionKey, traceId: string, question: string, answer = `answer to ${question}`): FinishedRun => ({
  session: key,
  traceId,
  messages: [
    { role: 'user', content: text(question), status: 'complete' },
    { role: 'assistant', content: text(answer), status: 'complete' },
  ],
  outcome: { status: 'success', firstTokenMs: 1, totalMs: 2, turns: 1, inputTokens: 3, outputTokens: 4, toolCalls: [], error: null },
})

/** Starts a trace and finishes it with one turn: what one chat request stores. */
export async function chat(store: Store, key: SessionKey, question: string, startedAt?: string): Promise<string> {
  const start = traceStart(key, randomUUID(), startedAt)
  await store.startTrace(start)
  await store.finishRun(turn(key, start.traceId, question))
  return start.traceId
}

export const tick = () => new Promise((resolve) => setImmediate(resolve))
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** An ISO time `ms` from now (negative: in the past). */
export const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString()
