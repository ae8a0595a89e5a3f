/**
 * Files: tools' output files, visitors' attachments within their budgets, claiming uploads when
 * a message names them, sweeping the unclaimed ones, retention by age, and the owner's usage.
 * The sweeps act on the whole database (every agent's files), as the host's housekeeping does.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord, AttachmentBudget, SessionKey, Store } from '../store.ts'
import { utcDay } from '../utc-day.ts'
import { chat, isoIn, newAgent, type StoreContractTarget, sessionOf } from './support.ts'

const bytes = (size: number, fill = 65) => new Uint8Array(size).fill(fill)
const BIG: AttachmentBudget = { sessionBytes: 1e9, agentDayBytes: 1e9, day: utcDay(Date.now()) }

export function describeFiles(target: StoreContractTarget) {
  describe('files', () => {
    let store: Store
    let other: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      other = await target.open()
      agent = await newAgent(store)
    })
    afterAll(async () => {
      await target.close(other)
      await target.close(store)
    })

    const output = (key: SessionKey, size = 3, name = 'out.csv') =>
      store.saveFile({ id: randomUUID(), ...key, kind: 'output', filename: name, contentType: 'text/csv', size, traceId: 'trace-1', data: bytes(size) })
    const attach = async (s: Store, key: SessionKey, size: number, budget = BIG) =>
      s.saveAttachment({ id: randomUUID(), ...key, filename: 'a.txt', contentType: 'text/plain', size, data: bytes(size, 66) }, budget)
    const attached = async (key: SessionKey, size = 1) => {
      const outcome = await attach(store, key, size)
      if (outcome.kind !== 'saved') throw new Error(outcome.kind)
      return outcome.file
    }

    it('stores an output file and gives it back, bytes and all, only under its own session', async () => {
      const key = sessionOf(agent)
      const file = await output(key)
      expect(file).toMatchObject({ ...key, kind: 'output', filename: 'out.csv', contentType: 'text/csv', size: 3, traceId: 'trace-1' })
      const read = await store.getFile(key, file.id)
      expect(read).toMatchObject(file)
      expect([...read!.data]).toEqual([65, 65, 65])
      expect(await store.getFile({ ...key, scope: 'try' }, file.id)).toBeNull()
      expect(await store.getFile(sessionOf(agent), file.id)).toBeNull()
      expect(await store.getFile(key, randomUUID())).toBeNull()
    })

    it('reads several files of a session at once, leaving out the ids that are not its own', async () => {
      const key = sessionOf(agent)
      const a = await output(key, 1, 'a')
      const b = await attached(key, 2)
      const elsewhere = await output(sessionOf(agent), 1, 'c')
      const files = await store.getFiles(key, [b.id, elsewhere.id, randomUUID(), a.id])
      expect(files.map((f) => [f.id, f.size, f.data.length]).sort()).toEqual(
        [
          [b.id, 2, 2],
          [a.id, 1, 1],
        ].sort(),
      )
    })

    it('saves an attachment within its session’s budget and refuses the one that would pass it', async () => {
      const key = sessionOf(agent)
      const budget = { ...BIG, sessionBytes: 10 }
      expect(await attach(store, key, 6, budget)).toMatchObject({ kind: 'saved', file: { ...key, kind: 'attachment', traceId: null, size: 6 } })
      expect(await attach(store, key, 5, budget)).toEqual({ kind: 'session_budget_spent', usedBytes: 6 })
      expect((await attach(store, key, 4, budget)).kind).toBe('saved')
      // Output files do not count against the visitor's budget; another session has its own.
      await output(key, 100)
      expect((await attach(store, sessionOf(agent), 10, budget)).kind).toBe('saved')
    })

    it('counts an agent’s attachment bytes per UTC day and refuses past the day’s budget', async () => {
      const mine = await newAgent(store)
      const budget = { sessionBytes: 1e9, agentDayBytes: 10, day: '2031-01-01' }
      expect((await attach(store, sessionOf(mine), 7, budget)).kind).toBe('saved')
      expect(await attach(store, sessionOf(mine), 4, budget)).toEqual({ kind: 'agent_day_budget_spent', usedBytes: 7 })
      expect((await attach(store, sessionOf(mine), 4, { ...budget, day: '2031-01-02' })).kind).toBe('saved')
      expect((await store.fileUsage(mine.id, '2031-01-01', 5)).dayAttachmentBytes).toBe(7)
      // Forgetting past days leaves the days from `day` on.
      expect(await store.deleteAttachmentDaysBefore('2031-01-02')).toBeGreaterThanOrEqual(1)
      expect((await store.fileUsage(mine.id, '2031-01-01', 5)).dayAttachmentBytes).toBe(0)
      expect((await store.fileUsage(mine.id, '2031-01-02', 5)).dayAttachmentBytes).toBe(4)
    })

    it('lets concurrent uploads from two store instances fill a budget exactly, never past it', async () => {
      const mine = await newAgent(store)
      const key = sessionOf(mine)
      const budget = { sessionBytes: 1e9, agentDayBytes: 25, day: '2031-02-01' }
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) => attach(i % 2 ? other : store, { ...key, sessionId: `${key.sessionId}-${i}` }, 1, budget)),
      )
      expect(outcomes.filter((o) => o.kind === 'saved')).toHaveLength(25)
      expect(outcomes.filter((o) => o.kind === 'agent_day_budget_spent')).toHaveLength(15)
      expect((await store.fileUsage(mine.id, '2031-02-01', 1)).dayAttachmentBytes).toBe(25)

      const sessionBudget = { ...BIG, sessionBytes: 12 }
      const session = await Promise.all(Array.from({ length: 30 }, (_, i) => attach(i % 2 ? other : store, key, 1, sessionBudget)))
      expect(session.filter((o) => o.kind === 'saved')).toHaveLength(12)
    })

    it('claims only the session’s own attachments among the ids a message names', async () => {
      const key = sessionOf(agent)
      const a = await attached(key)
      const b = await attached(key)
      const foreign = await attached(sessionOf(agent))
      const out = await output(key)
      const claimed = await store.claimAttachments(key, [a.id, foreign.id, out.id, randomUUID(), b.id])
      expect(claimed.sort()).toEqual([a.id, b.id].sort())
      // Claiming twice finds them again (they are the session's), and changes nothing.
      expect(await store.claimAttachments(key, [a.id])).toEqual([a.id])
      expect(await store.claimAttachments(key, [])).toEqual([])
    })

    it('sweeps unclaimed uploads older than the cutoff, oldest first, up to the limit; claimed ones and outputs stay', async () => {
      const key = sessionOf(agent)
      const unclaimed = [await attached(key), await attached(key), await attached(key)]
      const claimed = await attached(key)
      await store.claimAttachments(key, [claimed.id])
      const out = await output(key)
      const young = isoIn(-60_000)
      expect(await store.deleteUnusedAttachments(young, 1000)).toBeGreaterThanOrEqual(0)
      expect(
        await store.getFiles(
          key,
          unclaimed.map((f) => f.id),
        ),
      ).toHaveLength(3) // none older than a minute
      const cutoff = isoIn(60_000)
      let deleted = await store.deleteUnusedAttachments(cutoff, 1)
      expect(deleted).toBe(1)
      for (let guard = 0; deleted > 0 && guard < 10_000; guard++) deleted = await store.deleteUnusedAttachments(cutoff, 100)
      expect(
        await store.getFiles(
          key,
          unclaimed.map((f) => f.id),
        ),
      ).toEqual([])
      expect((await store.getFiles(key, [claimed.id, out.id])).map((f) => f.id).sort()).toEqual([claimed.id, out.id].sort())
      expect((await store.fileUsage(agent.id, BIG.day, 1)).unusedAttachments).toEqual({ count: 0, bytes: 0 })
    })

    it('deletes files created before a cutoff, oldest first, up to the limit', async () => {
      const key = sessionOf(agent)
      const first = await output(key)
      const second = await attached(key)
      const before = isoIn(-60_000)
      expect(await store.deleteFilesCreatedBefore(before, 1000)).toBeGreaterThanOrEqual(0)
      expect(await store.getFiles(key, [first.id, second.id])).toHaveLength(2)
      const later = await output(key)
      const cutoff = isoIn(60_000)
      let deleted = await store.deleteFilesCreatedBefore(cutoff, 1)
      expect(deleted).toBe(1)
      for (let guard = 0; deleted > 0 && guard < 10_000; guard++) deleted = await store.deleteFilesCreatedBefore(cutoff, 100)
      expect(await store.getFiles(key, [first.id, second.id, later.id])).toEqual([])
      // A swept attachment is no longer counted as unused.
      expect((await store.fileUsage(agent.id, BIG.day, 1)).unusedAttachments).toEqual({ count: 0, bytes: 0 })
    })

    it('tells the owner what an agent’s files take, with the biggest sessions first', async () => {
      const mine = await newAgent(store)
      const big = sessionOf(mine)
      const small = sessionOf(mine, 'link:lnk_f')
      await chat(store, small, 'has messages')
      const budget = { ...BIG, day: '2031-03-01' }
      await attach(store, big, 50, budget)
      const claimed = await attach(store, big, 20, budget)
      if (claimed.kind === 'saved') await store.claimAttachments(big, [claimed.file.id])
      await attach(store, small, 5, budget)
      await output(small, 7)
      const usage = await store.fileUsage(mine.id, '2031-03-01', 1)
      expect(usage).toEqual({
        attachments: { count: 3, bytes: 75 },
        outputs: { count: 1, bytes: 7 },
        unusedAttachments: { count: 2, bytes: 55 },
        dayAttachmentBytes: 75,
        topSessions: [{ scope: 'public', sessionId: big.sessionId, count: 2, bytes: 70, hasMessages: false }],
      })
      expect((await store.fileUsage(mine.id, '2031-03-01', 5)).topSessions).toEqual([
        { scope: 'public', sessionId: big.sessionId, count: 2, bytes: 70, hasMessages: false },
        { scope: 'link:lnk_f', sessionId: small.sessionId, count: 2, bytes: 12, hasMessages: true },
      ])
      const empty = await store.fileUsage((await newAgent(store)).id, '2031-03-01', 5)
      expect(empty).toEqual({
        attachments: { count: 0, bytes: 0 },
        outputs: { count: 0, bytes: 0 },
        unusedAttachments: { count: 0, bytes: 0 },
        dayAttachmentBytes: 0,
        topSessions: [],
      })
    })

    it('deletes an agent’s files with the agent', async () => {
      const mine = await newAgent(store)
      const key = sessionOf(mine)
      const file = await output(key)
      await store.deleteAgent(mine.id)
      expect(await store.getFile(key, file.id)).toBeNull()
    })
  })
}
