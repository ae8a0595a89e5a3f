/** The PostgreSQL store's files: budgets under concurrent uploads, claims, sweeps, usage (to be replaced by the shared contract suite). */
import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { SessionKey } from '../store.ts'
import { config, ISO, openStores } from './testing.ts'

const [store, other] = await openStores(2)
const agent = await store!.createAgent({ name: 'f', description: '', config: config() })
const key = (): SessionKey => ({ agentId: agent.id, scope: 'public', sessionId: randomUUID() })
const bytes = (n: number) => new Uint8Array(n).fill(7)
const upload = (session: SessionKey, size: number) => ({ ...session, id: randomUUID(), filename: 'a.txt', contentType: 'text/plain', size, data: bytes(size) })
const roomy = { sessionBytes: 1_000_000, agentDayBytes: 1_000_000, day: '2030-01-01' }

it('saves a file and gives its bytes back only under its own session', async () => {
  const session = key()
  const file = await store!.saveFile({ ...upload(session, 3), kind: 'output', traceId: 't1' })
  expect(file.createdAt).toMatch(ISO)
  const found = await other!.getFile(session, file.id)
  expect(found).toMatchObject({ id: file.id, kind: 'output', traceId: 't1', size: 3 })
  expect([...found!.data]).toEqual([7, 7, 7])
  expect(await other!.getFile({ ...session, scope: 'try' }, file.id)).toBeNull()
})

it('lets concurrent uploads from two hosts fill a session’s budget and no more', async () => {
  const session = key()
  const budget = { sessionBytes: 300, agentDayBytes: 1_000_000, day: '2030-01-02' }
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store! : other!).saveAttachment(upload(session, 100), budget)))
  expect(outcomes.filter((o) => o.kind === 'saved')).toHaveLength(3)
  expect(outcomes.filter((o) => o.kind === 'session_budget_spent')).toHaveLength(7)
  expect(outcomes.find((o) => o.kind === 'session_budget_spent')).toEqual({ kind: 'session_budget_spent', usedBytes: 300 })
  expect((await store!.fileUsage(agent.id, '2030-01-02', 5)).dayAttachmentBytes).toBe(300)
})

it('lets concurrent uploads fill an agent’s day and no more; refused uploads count nothing', async () => {
  const budget = { sessionBytes: 1_000_000, agentDayBytes: 250, day: '2030-01-03' }
  const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? store! : other!).saveAttachment(upload(key(), 100), budget)))
  expect(outcomes.filter((o) => o.kind === 'saved')).toHaveLength(2)
  expect(outcomes.filter((o) => o.kind === 'agent_day_budget_spent')).toHaveLength(4)
  expect((await store!.fileUsage(agent.id, '2030-01-03', 5)).dayAttachmentBytes).toBe(200)
  expect(await store!.deleteAttachmentDaysBefore('2030-01-03')).toBeGreaterThanOrEqual(1)
  expect((await store!.fileUsage(agent.id, '2030-01-02', 5)).dayAttachmentBytes).toBe(0)
})

it('claims a session’s attachments, sweeps unclaimed ones, and reports usage', async () => {
  const own = await store!.createAgent({ name: 'usage', description: '', config: config() })
  const session = { agentId: own.id, scope: 'public', sessionId: 's' }
  const saved = []
  for (const size of [10, 20, 30]) {
    const outcome = await store!.saveAttachment(upload(session, size), roomy)
    if (outcome.kind === 'saved') saved.push(outcome.file)
  }
  await store!.saveFile({ ...upload(session, 5), kind: 'output', traceId: null })
  const [a, b, c] = saved
  expect(await store!.claimAttachments(session, [b!.id, 'nope', a!.id])).toEqual([b!.id, a!.id])
  expect(await store!.claimAttachments({ ...session, sessionId: 'other' }, [c!.id])).toEqual([])
  expect((await store!.getFiles(session, [c!.id, 'nope', a!.id])).map((f) => f.id)).toEqual([c!.id, a!.id])
  const usage = await store!.fileUsage(own.id, roomy.day, 5)
  expect(usage).toEqual({
    attachments: { count: 3, bytes: 60 },
    outputs: { count: 1, bytes: 5 },
    unusedAttachments: { count: 1, bytes: 30 },
    dayAttachmentBytes: 60,
    topSessions: [{ scope: 'public', sessionId: 's', count: 4, bytes: 65, hasMessages: false }],
  })
  const future = new Date(Date.now() + 60_000).toISOString()
  expect(await store!.deleteUnusedAttachments(future, 100)).toBeGreaterThanOrEqual(1)
  expect(await store!.getFile(session, c!.id)).toBeNull()
  expect(await store!.getFile(session, a!.id)).not.toBeNull()
  expect(await store!.deleteFilesCreatedBefore(future, 1)).toBe(1)
})
