/** The PostgreSQL store's sessions, messages, summaries and traces (to be replaced by the shared contract suite). */
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { FinishedRun, SessionKey, Store } from '../store.ts'
import { createPostgresStore } from './postgres-store.ts'
import { config, ISO, openStores } from './testing.ts'

const stores = await openStores(3)
const [store, other, third] = stores
const agent = await store!.createAgent({ name: 's', description: '', config: config() })
const key = (scope = 'public'): SessionKey => ({ agentId: agent.id, scope, sessionId: randomUUID() })
const text = (value: string) => [{ type: 'text' as const, text: value }]

async function chat(host: Store, session: SessionKey, question: string, startedAt = new Date().toISOString()): Promise<string> {
  const traceId = randomUUID()
  await host.startTrace({
    traceId,
    agentId: session.agentId,
    version: 1,
    sessionId: session.sessionId,
    scope: session.scope,
    requestId: randomUUID(),
    startedAt,
  })
  const run: FinishedRun = {
    session,
    traceId,
    messages: [
      { role: 'user', content: text(question), status: 'complete' },
      { role: 'assistant', content: text(`answer to ${question}`), status: 'complete' },
    ],
    outcome: { status: 'success', firstTokenMs: 1.5, totalMs: 2, turns: 1, inputTokens: 3, outputTokens: 4, toolCalls: [], error: null },
  }
  await host.finishRun(run)
  return traceId
}

it('stores a run: the session, its messages in order, the trace', async () => {
  const session = key()
  expect(await store!.getSession(session)).toBeNull()
  const traceId = await chat(store!, session, 'hello')
  const record = await other!.getSession(session)
  expect(record?.createdAt).toMatch(ISO)
  const messages = await other!.getMessages(session)
  expect(messages.map((m) => [m.seq, m.role, m.content])).toEqual([
    [1, 'user', text('hello')],
    [2, 'assistant', text('answer to hello')],
  ])
  expect(messages[0]).toMatchObject({ traceId, status: 'complete' })
  expect(messages[0]!.created_at).toMatch(ISO)
  const [trace] = await other!.listSessionTraces(session)
  expect(trace).toMatchObject({ traceId, status: 'success', firstTokenMs: 1.5, totalMs: 2, turns: 1, inputTokens: 3, outputTokens: 4, toolCalls: [] })
  expect(trace!.startedAt).toMatch(ISO)
  expect(await other!.getSessionSummary(session)).toMatchObject({ messageCount: 2, preview: 'hello' })
})

it('gives concurrent runs of one session distinct, gapless seqs, across hosts', async () => {
  const session = key()
  await Promise.all(Array.from({ length: 12 }, (_, i) => chat([store!, other!, third!][i % 3]!, session, `q${i}`)))
  const seqs = (await store!.getMessages(session)).map((m) => m.seq)
  expect(seqs).toEqual(Array.from({ length: 24 }, (_, i) => i + 1))
})

it('gives the model the latest summary and the messages after it', async () => {
  const session = key()
  await chat(store!, session, 'one')
  await chat(store!, session, 'two')
  await expect(store!.saveContextSummary(key(), { throughSeq: 1, summary: 'x', tokensBefore: 1 })).rejects.toThrow(/no such session/)
  await store!.saveContextSummary(session, { throughSeq: 2, summary: 'they said one', tokensBefore: 100 })
  const context = await store!.getModelContext(session)
  expect(context.summary).toMatchObject({ throughSeq: 2, summary: 'they said one', tokensBefore: 100 })
  expect(context.messages.map((m) => m.seq)).toEqual([3, 4])
  expect((await store!.listContextSummaries(session)).map((s) => s.throughSeq)).toEqual([2])
  expect(await store!.getModelContext(key())).toEqual({ summary: null, messages: [] })
})

it('lists sessions and traces newest first, paged by cursor without skipping equal times', async () => {
  const own = await store!.createAgent({ name: 'paging', description: '', config: config() })
  const at = '2030-01-01T00:00:00.000Z'
  const sessions: SessionKey[] = []
  for (let i = 0; i < 5; i++) {
    const session = { agentId: own.id, scope: i === 4 ? 'try' : 'public', sessionId: `s${i}` }
    sessions.push(session)
    await chat(store!, session, `q${i}`, at)
  }
  const first = await store!.listSessions(own.id, { limit: 2, excludeScope: 'try' })
  expect(first).toHaveLength(2)
  const last = first.at(-1)!
  const rest = await store!.listSessions(own.id, { limit: 10, excludeScope: 'try', after: { at: last.updatedAt, pk: last.pk } })
  expect([...first, ...rest].map((s) => s.sessionId).sort()).toEqual(['s0', 's1', 's2', 's3'])
  expect((await store!.listSessions(own.id, { limit: 10, scope: 'try' })).map((s) => s.sessionId)).toEqual(['s4'])
  const traces = await store!.listTraces({ agentId: own.id, limit: 3 })
  expect(traces).toHaveLength(3)
  expect(traces.every((t) => t.startedAt === at)).toBe(true)
  const more = await store!.listTraces({ agentId: own.id, limit: 10, after: { at, pk: traces.at(-1)!.pk } })
  expect(new Set([...traces, ...more].map((t) => t.traceId)).size).toBe(5)
  expect(await store!.listTraces({ agentId: own.id, limit: 10, from: '2030-01-01T00:00:00.001Z' })).toEqual([])
  expect(await store!.listTraces({ agentId: own.id, limit: 10, status: 'error' })).toEqual([])
})

it('marks as interrupted the running traces of hosts that are gone, never those of a host still running', async () => {
  const gone = await createPostgresStore(stores.url, { max: 2 })
  const start = (host: Store, session: SessionKey) =>
    host.startTrace({
      traceId: randomUUID(),
      agentId: agent.id,
      version: 1,
      sessionId: session.sessionId,
      scope: 'public',
      requestId: 'r',
      startedAt: new Date().toISOString(),
    })
  const live = key()
  const dead = key()
  await start(store!, live)
  await start(gone, dead)
  expect(await other!.markInterruptedTraces()).toBe(0)
  await gone.close()
  expect(await other!.markInterruptedTraces()).toBe(1)
  expect((await store!.listSessionTraces(dead)).map((t) => t.status)).toEqual(['interrupted'])
  expect((await store!.listSessionTraces(live)).map((t) => t.status)).toEqual(['running'])
})
