/** Visitors' ratings of assistant answers: one per answer, replaced, cleared, kept within its session's scope, gone with its message. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord, Store } from '../store.ts'
import { chat, newAgent, type StoreContractTarget, sessionOf } from './support.ts'

export function describeFeedback(target: StoreContractTarget) {
  describe('feedback', () => {
    let store: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    it('rates an answer with its trace, replaces the rating, and clears it', async () => {
      const key = sessionOf(agent)
      const traceId = await chat(store, key, 'one')
      const saved = await store.setFeedback(key, 2, { rating: 'down', comment: 'wrong date' })
      expect(saved).toMatchObject({ kind: 'saved', feedback: { seq: 2, traceId, rating: 'down', comment: 'wrong date' } })
      const first = saved.kind === 'saved' ? saved.feedback : null
      expect(first!.createdAt).toMatch(/^\d{4}-/)
      const again = await store.setFeedback(key, 2, { rating: 'up', comment: null })
      expect(again).toMatchObject({ kind: 'saved', feedback: { seq: 2, rating: 'up', comment: null, createdAt: first!.createdAt } })
      expect(await store.listFeedback(key)).toEqual([again.kind === 'saved' ? again.feedback : null])
      expect(await store.setFeedback(key, 2, null)).toEqual({ kind: 'cleared' })
      expect(await store.listFeedback(key)).toEqual([])
      // Clearing what is not rated is fine; the answer exists.
      expect(await store.setFeedback(key, 2, null)).toEqual({ kind: 'cleared' })
    })

    it('refuses a visitor message, a missing message, another scope, another agent and an unknown session, changing nothing', async () => {
      const key = sessionOf(agent)
      await chat(store, key, 'one')
      await store.setFeedback(key, 2, { rating: 'up', comment: null })
      const other = await newAgent(store)
      const up = { rating: 'up' as const, comment: 'x' }
      expect(await store.setFeedback(key, 1, up)).toEqual({ kind: 'no_answer' })
      expect(await store.setFeedback(key, 3, up)).toEqual({ kind: 'no_answer' })
      expect(await store.setFeedback({ ...key, scope: 'link:lnk_other' }, 2, { rating: 'down', comment: null })).toEqual({ kind: 'no_answer' })
      expect(await store.setFeedback({ ...key, scope: 'link:lnk_other' }, 2, null)).toEqual({ kind: 'no_answer' })
      expect(await store.setFeedback({ ...key, agentId: other.id }, 2, null)).toEqual({ kind: 'no_answer' })
      expect(await store.setFeedback(sessionOf(agent), 2, up)).toEqual({ kind: 'no_answer' })
      expect((await store.listFeedback(key)).map((f) => [f.seq, f.rating, f.comment])).toEqual([[2, 'up', null]])
      expect(await store.listFeedback({ ...key, scope: 'link:lnk_other' })).toEqual([])
    })

    it("counts an agent's ratings per session in its listing and filters the listing by them", async () => {
      const own = await newAgent(store)
      const [up, down, both, none] = [sessionOf(own), sessionOf(own), sessionOf(own), sessionOf(own)]
      for (const key of [up, down, both, none]) await chat(store, key, 'q')
      await chat(store, both, 'q2')
      await store.setFeedback(up, 2, { rating: 'up', comment: null })
      await store.setFeedback(down, 2, { rating: 'down', comment: 'no' })
      await store.setFeedback(both, 2, { rating: 'up', comment: null })
      await store.setFeedback(both, 4, { rating: 'down', comment: null })
      const ids = async (feedback?: 'up' | 'down' | 'any') => (await store.listSessions(own.id, { limit: 10, feedback })).map((s) => s.sessionId).sort()
      expect(await ids('up')).toEqual([up, both].map((k) => k.sessionId).sort())
      expect(await ids('down')).toEqual([down, both].map((k) => k.sessionId).sort())
      expect(await ids('any')).toEqual([up, down, both].map((k) => k.sessionId).sort())
      expect(await ids()).toHaveLength(4)
      const listed = await store.listSessions(own.id, { limit: 10 })
      const counts = Object.fromEntries(listed.map((s) => [s.sessionId, [s.feedbackUp, s.feedbackDown]]))
      expect(counts).toEqual({ [up.sessionId]: [1, 0], [down.sessionId]: [0, 1], [both.sessionId]: [1, 1], [none.sessionId]: [0, 0] })
      expect(await store.getSessionSummary(both)).toMatchObject({ feedbackUp: 1, feedbackDown: 1 })
    })

    it('goes with its message when the answer is regenerated', async () => {
      const key = sessionOf(agent)
      await chat(store, key, 'one')
      await chat(store, key, 'two')
      await store.setFeedback(key, 2, { rating: 'up', comment: null })
      await store.setFeedback(key, 4, { rating: 'down', comment: null })
      await store.dropMessagesFrom(key, 3)
      expect((await store.listFeedback(key)).map((f) => f.seq)).toEqual([2])
      await chat(store, key, 'two again')
      expect((await store.listFeedback(key)).map((f) => f.seq)).toEqual([2])
    })
  })
}
