/** Human takeover: one holder at a time, messages only while held, numbered events replayable in order, kept within the session's scope. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord, Store } from '../store.ts'
import { chat, newAgent, type StoreContractTarget, sessionOf, text } from './support.ts'

export function describeTakeover(target: StoreContractTarget) {
  describe('takeover', () => {
    let store: Store
    let agent: AgentRecord
    const anna = { id: 'key:own_anna', name: 'Anna' }
    const ben = { id: 'admin', name: 'Ben' }
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    it('takes a session over, stores a person’s and the visitor’s messages with their events, and hands it back', async () => {
      const key = sessionOf(agent)
      await chat(store, key, 'hello')
      expect(await store.getTakeover(key)).toBeNull()
      expect(await store.lastSessionEventId(key)).toBe(0)
      const taken = await store.takeOver(key, anna)
      expect(taken).toMatchObject({ kind: 'taken', takeover: { byId: anna.id, name: 'Anna' }, event: { id: 1, type: 'person_joined', name: 'Anna' } })
      expect(await store.getTakeover(key)).toEqual(taken.kind === 'taken' ? taken.takeover : null)
      // The same person again changes nothing; another person is refused.
      expect(await store.takeOver(key, anna)).toMatchObject({ kind: 'taken', event: null })
      expect(await store.takeOver(key, ben)).toMatchObject({ kind: 'held', takeover: { name: 'Anna' } })

      const said = await store.addTakeoverMessage(key, { role: 'assistant', content: text('Hi, Anna here'), author: { kind: 'human', name: 'Anna' } })
      expect(said).toMatchObject({ kind: 'added', seq: 3, event: { id: 2, type: 'person_message', name: 'Anna', seq: 3, text: 'Hi, Anna here' } })
      const asked = await store.addTakeoverMessage(key, { role: 'user', content: text('thanks') })
      expect(asked).toMatchObject({ kind: 'added', seq: 4, event: { id: 3, type: 'visitor_message', name: null, seq: 4, text: 'thanks' } })

      const messages = await store.getMessages(key)
      expect(messages.map((m) => [m.seq, m.role, m.author ?? null])).toEqual([
        [1, 'user', null],
        [2, 'assistant', null],
        [3, 'assistant', { kind: 'human', name: 'Anna' }],
        [4, 'user', null],
      ])
      expect(messages[2]!.content).toEqual(text('Hi, Anna here'))
      // The model builds on the person's message like on any other.
      expect((await store.getModelContext(key)).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4])

      const left = await store.handBack(key)
      expect(left).toMatchObject({ id: 4, type: 'person_left', name: 'Anna' })
      expect(await store.getTakeover(key)).toBeNull()
      expect(await store.handBack(key)).toBeNull()
      expect(await store.addTakeoverMessage(key, { role: 'user', content: text('late') })).toEqual({ kind: 'not_taken_over' })
      expect(await store.getMessages(key)).toHaveLength(4)

      // A run after the takeover takes the next numbers.
      await chat(store, key, 'back to the agent')
      expect((await store.getMessages(key)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6])

      const events = await store.listSessionEvents(key, 0, 100)
      expect(events.map((e) => [e.id, e.type])).toEqual([
        [1, 'person_joined'],
        [2, 'person_message'],
        [3, 'visitor_message'],
        [4, 'person_left'],
      ])
      expect(events[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/)
      expect((await store.listSessionEvents(key, 2, 1)).map((e) => e.id)).toEqual([3])
      expect(await store.lastSessionEventId(key)).toBe(4)
      // Taken over again, the numbering goes on.
      expect(await store.takeOver(key, ben)).toMatchObject({ kind: 'taken', event: { id: 5, type: 'person_joined', name: 'Ben' } })
    })

    it('refuses an unknown session, and keeps each session’s holder and events within its agent and scope', async () => {
      const key = sessionOf(agent)
      expect(await store.takeOver(key, anna)).toEqual({ kind: 'no_session' })
      await chat(store, key, 'hello')
      const other = await newAgent(store)
      await store.takeOver(key, anna)
      const elsewhere = [
        { ...key, scope: 'link:lnk_other' },
        { ...key, agentId: other.id },
      ]
      for (const wrong of elsewhere) {
        expect(await store.getTakeover(wrong)).toBeNull()
        expect(await store.listSessionEvents(wrong, 0, 10)).toEqual([])
        expect(await store.lastSessionEventId(wrong)).toBe(0)
        expect(await store.addTakeoverMessage(wrong, { role: 'user', content: text('x') })).toEqual({ kind: 'not_taken_over' })
        expect(await store.handBack(wrong)).toBeNull()
      }
      expect(await store.getTakeover(key)).toMatchObject({ name: 'Anna' })
    })

    it("lists an agent's held sessions, longest held first", async () => {
      const own = await newAgent(store)
      const [first, second, free] = [sessionOf(own), sessionOf(own, 'link:lnk_x'), sessionOf(own)]
      for (const key of [first, second, free]) await chat(store, key, 'q')
      await store.takeOver(first, anna)
      await store.takeOver(second, ben)
      await store.takeOver(free, ben)
      await store.handBack(free)
      const held = await store.listTakeovers(own.id)
      expect(held.map((h) => [h.sessionId, h.scope, h.name])).toEqual([
        [first.sessionId, 'public', 'Anna'],
        [second.sessionId, 'link:lnk_x', 'Ben'],
      ])
      expect(await store.listTakeovers(agent.id + 'x')).toEqual([])
    })

    it('numbers events of messages written at once from two instances without gaps or repeats', async () => {
      const key = sessionOf(agent)
      await chat(store, key, 'hello')
      const second = await target.open()
      try {
        await store.takeOver(key, anna)
        const writes = Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? store : second).addTakeoverMessage(key, {
            role: i % 3 ? 'user' : 'assistant',
            content: text(`m${i}`),
            author: { kind: 'human', name: 'Anna' },
          }),
        )
        const outcomes = await Promise.all(writes)
        expect(outcomes.every((o) => o.kind === 'added')).toBe(true)
        const events = await store.listSessionEvents(key, 0, 100)
        expect(events.map((e) => e.id)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
        expect((await store.getMessages(key)).map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
        // Each event names its own message.
        const messages = new Map((await store.getMessages(key)).map((m) => [m.seq, m]))
        for (const event of events.slice(1)) expect(messages.get(event.seq!)!.content).toEqual(text(event.text!))
      } finally {
        await target.close(second)
      }
    })

    it('goes with its agent', async () => {
      const own = await newAgent(store)
      const key = sessionOf(own)
      await chat(store, key, 'q')
      await store.takeOver(key, anna)
      await store.deleteAgent(own.id)
      expect(await store.listTakeovers(own.id)).toEqual([])
      expect(await store.listSessionEvents(key, 0, 10)).toEqual([])
    })
  })
}
