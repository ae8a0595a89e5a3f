/** Sessions and their messages, in order; context summaries; the owner's session listing. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONSOLE } from '../../../shared/console.ts'
import { type AgentRecord, InvalidCursorError, type SessionQuery, type SessionSummaryRecord, type Store } from '../store.ts'
import { chat, newAgent, type StoreContractTarget, sessionOf, sleep, text, traceStart, turn } from './support.ts'

/** Every page of a listing, following the store's cursors. */
export async function allPages<R extends { cursor: string }>(list: (after: string | undefined) => Promise<R[]>, limit: number): Promise<R[]> {
  const pages: R[][] = []
  let after: string | undefined
  for (let guard = 0; guard < 100; guard++) {
    const rows = await list(after)
    pages.push(rows.slice(0, limit))
    if (rows.length <= limit) return pages.flat()
    after = rows[limit - 1]!.cursor
  }
  throw new Error('paging did not end')
}

export function describeSessions(target: StoreContractTarget) {
  describe('sessions and messages', () => {
    let store: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    it('has no session until a run is finished in it; then holds its messages in order, numbered from 1', async () => {
      const key = sessionOf(agent)
      expect(await store.getSession(key)).toBeNull()
      expect(await store.getMessages(key)).toEqual([])
      const first = await chat(store, key, 'one')
      const session = await store.getSession(key)
      expect(session).toMatchObject(key)
      expect(session!.createdAt).toMatch(/^\d{4}-/)
      const second = await chat(store, key, 'two')
      const messages = await store.getMessages(key)
      expect(messages.map((m) => [m.seq, m.role, m.content, m.status, m.traceId])).toEqual([
        [1, 'user', text('one'), 'complete', first],
        [2, 'assistant', text('answer to one'), 'complete', first],
        [3, 'user', text('two'), 'complete', second],
        [4, 'assistant', text('answer to two'), 'complete', second],
      ])
      expect(messages[0]!.created_at).toMatch(/^\d{4}-/)
      expect((await store.getSession(key))!.updatedAt >= session!.updatedAt).toBe(true)
    })

    it('keeps a session id apart per agent and scope', async () => {
      const key = sessionOf(agent)
      const other = { ...key, scope: 'link:lnk_contract' }
      const otherAgent = { ...key, agentId: (await newAgent(store)).id }
      await chat(store, key, 'public')
      await chat(store, other, 'via link')
      expect((await store.getMessages(key)).map((m) => m.content)).toEqual([text('public'), text('answer to public')])
      expect((await store.getMessages(other)).map((m) => m.seq)).toEqual([1, 2])
      expect(await store.getSession(otherAgent)).toBeNull()
    })

    it('stores the messages of a cancelled or failed run with their status, and tool blocks as they are', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      await store.finishRun({
        session: key,
        traceId: start.traceId,
        messages: [
          { role: 'user', content: text('time?'), status: 'complete' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'current_time', input: {} }], status: 'complete' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '12:00' }], status: 'complete' },
          { role: 'assistant', content: text('It is no'), status: 'cancelled' },
        ],
        outcome: { status: 'cancelled', firstTokenMs: 1, totalMs: 5, turns: 2, inputTokens: 1, outputTokens: 1, toolCalls: [], error: null },
      })
      const messages = await store.getMessages(key)
      expect(messages.map((m) => m.status)).toEqual(['complete', 'complete', 'complete', 'cancelled'])
      expect(messages[1]!.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'current_time', input: {} }])
    })

    it('keeps a run’s sources with its assistant message, apart from its content: the model’s context never sees them', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      const cited = { index: 1, title: 'Guide', heading_path: ['Setup', 'Keys'], url: null, source_id: randomUUID() }
      const page = { index: 2, title: 'FAQ', heading_path: [], url: 'https://docs.example/faq#keys', source_id: randomUUID() }
      await store.finishRun({
        session: key,
        traceId: start.traceId,
        messages: [
          { role: 'user', content: text('keys?'), status: 'complete' },
          // A file_url is the route's, never stored: another host (or path) serves the file elsewhere.
          { role: 'assistant', content: text('Use a key [1][2].'), status: 'complete', sources: [{ ...cited, file_url: '/x/file' }, page] },
        ],
        outcome: { status: 'success', firstTokenMs: 1, totalMs: 5, turns: 1, inputTokens: 1, outputTokens: 1, toolCalls: [], error: null },
      })
      await chat(store, key, 'later')
      const messages = await store.getMessages(key)
      expect(messages.map((m) => [m.content, m.sources])).toEqual([
        [text('keys?'), undefined],
        [text('Use a key [1][2].'), [cited, page]],
        [text('later'), undefined],
        [text('answer to later'), undefined],
      ])
      const context = await store.getModelContext(key)
      expect(context.messages[1]!.content).toEqual(text('Use a key [1][2].'))
      expect(context.messages[1]!.sources).toEqual([cited, page])
      expect((await store.getSessionSummary(key))!.preview).toBe('keys?')
    })

    it('stores a NUL character anywhere in a run (a visitor, a model, a tool input, an error) as U+FFFD, keeping escaped backslashes', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      await store.finishRun({
        session: key,
        traceId: start.traceId,
        messages: [
          { role: 'user', content: text('a\0b \\u0000 \\\0'), status: 'complete' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'search_knowledge', input: { query: 'x\0y' } }], status: 'complete' },
        ],
        outcome: { status: 'error', firstTokenMs: 1, totalMs: 5, turns: 1, inputTokens: 1, outputTokens: 1, toolCalls: [], error: 'provider said \0' },
      })
      const messages = await store.getMessages(key)
      expect(messages.map((m) => m.content)).toEqual([
        text('a\ufffdb \\u0000 \\\ufffd'),
        [{ type: 'tool_use', id: 'call_1', name: 'search_knowledge', input: { query: 'x\ufffdy' } }],
      ])
      expect((await store.listSessionTraces(key)).map((t) => t.error)).toEqual(['provider said \ufffd'])
    })

    it('stores a run whole or not at all: a message the store refuses rolls back the others and the trace', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      const bad = turn(key, start.traceId, 'rolled back')
      await expect(store.finishRun({ ...bad, messages: [bad.messages[0]!, { ...bad.messages[1]!, role: 'system' as 'user' }] })).rejects.toThrow()
      expect(await store.getMessages(key)).toEqual([])
      expect((await store.listSessionTraces(key)).map((t) => t.status)).toEqual(['running'])
    })

    it('stores runs finished at once (SQLite commits them together), and a bad one among them fails alone', async () => {
      const keys = Array.from({ length: 6 }, () => sessionOf(agent))
      const starts = keys.map((key) => traceStart(key))
      for (const start of starts) await store.startTrace(start)
      const runs = keys.map((key, i) => turn(key, starts[i]!.traceId, `together ${i}`))
      const bad = runs[3]!
      const outcomes = await Promise.allSettled(
        runs.map((run) => store.finishRun(run === bad ? { ...bad, messages: [bad.messages[0]!, { ...bad.messages[1]!, role: 'system' as 'user' }] } : run)),
      )
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
      for (const [i, key] of keys.entries()) {
        expect((await store.getMessages(key)).map((m) => m.content)).toEqual(i === 3 ? [] : [text(`together ${i}`), text(`answer to together ${i}`)])
        expect((await store.listSessionTraces(key)).map((t) => t.status)).toEqual([i === 3 ? 'running' : 'success'])
      }
    })

    it('stores concurrent runs of one session from two instances: every one, numbered 1..n in commit order, each run’s messages together', async () => {
      const second = await target.open()
      try {
        const key = sessionOf(agent)
        const traceIds = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(i % 2 ? second : store, key, `q${i}`)))
        const messages = await store.getMessages(key)
        expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
        expect(new Set(messages.map((m) => m.traceId))).toEqual(new Set(traceIds))
        for (const traceId of traceIds) {
          const own = messages.filter((m) => m.traceId === traceId)
          expect(own.map((m) => m.role)).toEqual(['user', 'assistant'])
          expect(own[1]!.seq).toBe(own[0]!.seq + 1)
        }
        expect((await second.getSessionSummary(key))!.messageCount).toBe(40)
        // And the next run goes on from there.
        await chat(second, key, 'after')
        expect((await store.getMessages(key)).map((m) => m.seq).slice(-2)).toEqual([41, 42])
      } finally {
        await target.close(second)
      }
    })

    it('summarises a session: its size, its first words, and null when unknown', async () => {
      const key = sessionOf(agent)
      const long = `What time is it? ${'and more '.repeat(30)}`
      await chat(store, key, long)
      await chat(store, key, 'again')
      const summary = await store.getSessionSummary(key)
      expect(summary).toMatchObject({ ...key, messageCount: 4 })
      expect(summary!.preview).toBe(long.slice(0, CONSOLE.previewChars))
      expect(await store.getSessionSummary(sessionOf(agent))).toBeNull()
    })
    it('drops a session’s messages from a number on (a regenerated answer), with the summaries reaching into them; the next run takes their numbers', async () => {
      const key = sessionOf(agent)
      await chat(store, key, 'one')
      await chat(store, key, 'two')
      await store.saveContextSummary(key, { throughSeq: 2, summary: 'one', tokensBefore: 10 })
      await store.saveContextSummary(key, { throughSeq: 4, summary: 'one and two', tokensBefore: 20 })
      expect(await store.dropMessagesFrom(key, 3)).toBe(2)
      expect((await store.getMessages(key)).map((m) => [m.seq, m.content])).toEqual([
        [1, text('one')],
        [2, text('answer to one')],
      ])
      expect((await store.listContextSummaries(key)).map((s) => s.throughSeq)).toEqual([2])
      expect((await store.getSessionSummary(key))?.messageCount).toBe(2)
      await chat(store, key, 'two again')
      expect((await store.getMessages(key)).map((m) => [m.seq, m.content])).toEqual([
        [1, text('one')],
        [2, text('answer to one')],
        [3, text('two again')],
        [4, text('answer to two again')],
      ])
      // Past the end, and an unknown session: nothing to drop, nothing changed.
      expect(await store.dropMessagesFrom(key, 9)).toBe(0)
      expect((await store.getSessionSummary(key))?.messageCount).toBe(4)
      expect(await store.dropMessagesFrom(sessionOf(agent), 1)).toBe(0)
    })
  })

  describe('context summaries', () => {
    let store: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    it('gives the model every message while there is no summary, then the latest summary and the messages after it', async () => {
      const key = sessionOf(agent)
      expect(await store.getModelContext(key)).toEqual({ summary: null, messages: [] })
      await chat(store, key, 'one')
      await chat(store, key, 'two')
      expect((await store.getModelContext(key)).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4])

      await store.saveContextSummary(key, { throughSeq: 2, summary: 'they said one', tokensBefore: 100 })
      await chat(store, key, 'three')
      let context = await store.getModelContext(key)
      expect(context.summary).toMatchObject({ throughSeq: 2, summary: 'they said one', tokensBefore: 100 })
      expect(context.messages.map((m) => m.seq)).toEqual([3, 4, 5, 6])

      await store.saveContextSummary(key, { throughSeq: 4, summary: 'one and two', tokensBefore: 200 })
      context = await store.getModelContext(key)
      expect(context.summary?.throughSeq).toBe(4)
      expect(context.messages.map((m) => m.seq)).toEqual([5, 6])
      // The summarised messages stay stored.
      expect(await store.getMessages(key)).toHaveLength(6)
      expect((await store.listContextSummaries(key)).map((s) => [s.throughSeq, s.summary])).toEqual([
        [2, 'they said one'],
        [4, 'one and two'],
      ])
    })

    it('replaces a summary through the same message, and refuses one for an unknown session', async () => {
      const key = sessionOf(agent)
      await chat(store, key, 'one')
      await store.saveContextSummary(key, { throughSeq: 2, summary: 'first', tokensBefore: 1 })
      await store.saveContextSummary(key, { throughSeq: 2, summary: 'second', tokensBefore: 2 })
      expect((await store.listContextSummaries(key)).map((s) => s.summary)).toEqual(['second'])
      await expect(store.saveContextSummary(sessionOf(agent), { throughSeq: 1, summary: 'x', tokensBefore: 1 })).rejects.toThrow()
      expect(await store.listContextSummaries(sessionOf(agent))).toEqual([])
    })
  })

  describe('the owner’s session listing', () => {
    let store: Store
    let agent: AgentRecord
    /** Session ids as made, oldest first, with the time between the 2nd and 3rd. */
    const made: { key: ReturnType<typeof sessionOf> }[] = []
    let mark: string
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
      for (const [i, scope] of ['public', 'public', 'link:lnk_a', 'try', 'public', 'link:lnk_a', 'public'].entries()) {
        const key = { ...sessionOf(agent, scope), sessionId: `s${i}-${randomUUID()}` }
        await chat(store, key, `question ${i}`)
        made.push({ key })
        await sleep(3)
        if (i === 1) {
          mark = new Date().toISOString()
          await sleep(3)
        }
      }
    })
    afterAll(() => target.close(store))

    const ids = (rows: SessionSummaryRecord[]) => rows.map((row) => row.sessionId)
    const expected = (filter: (i: number) => boolean) =>
      made
        .map((m, i) => [m.key.sessionId, i] as const)
        .filter(([, i]) => filter(i))
        .map(([id]) => id)
        .reverse()

    it('lists sessions newest first (by last activity), with size and preview, filtered by scope', async () => {
      const all = await store.listSessions(agent.id, { limit: 50 })
      expect(ids(all)).toEqual(expected(() => true))
      expect(all[0]).toMatchObject({ messageCount: 2, preview: 'question 6' })
      expect(ids(await store.listSessions(agent.id, { limit: 50, scope: 'link:lnk_a' }))).toEqual(expected((i) => i === 2 || i === 5))
      expect(ids(await store.listSessions(agent.id, { limit: 50, excludeScope: 'try' }))).toEqual(expected((i) => i !== 3))
      expect(await store.listSessions((await newAgent(store)).id, { limit: 50 })).toEqual([])
    })

    it('moves a session to the front when a run is added to it', async () => {
      const other = await newAgent(store)
      const a = sessionOf(other)
      const b = sessionOf(other)
      await chat(store, a, 'a')
      await sleep(3)
      await chat(store, b, 'b')
      await sleep(3)
      await chat(store, a, 'a again')
      expect(ids(await store.listSessions(other.id, { limit: 10 }))).toEqual([a.sessionId, b.sessionId])
    })

    it('bounds the time: from (inclusive), to (exclusive), before', async () => {
      expect(ids(await store.listSessions(agent.id, { limit: 50, from: mark }))).toEqual(expected((i) => i >= 2))
      expect(ids(await store.listSessions(agent.id, { limit: 50, to: mark }))).toEqual(expected((i) => i < 2))
      expect(ids(await store.listSessions(agent.id, { limit: 50, before: mark }))).toEqual(expected((i) => i < 2))
      const all = await store.listSessions(agent.id, { limit: 50 })
      expect(ids(await store.listSessions(agent.id, { limit: 50, from: all[2]!.updatedAt }))).toEqual(ids(all.slice(0, 3)))
    })

    it('pages with the store’s cursors: every session once, in order, with and without filters', async () => {
      for (const query of [{}, { excludeScope: 'try' }, { scope: 'public' }] as Omit<SessionQuery, 'limit'>[]) {
        const all = ids(await store.listSessions(agent.id, { limit: 50, ...query }))
        for (const limit of [1, 2, 3]) {
          const rows = await allPages((after) => store.listSessions(agent.id, { ...query, limit: limit + 1, after }), limit)
          expect(ids(rows)).toEqual(all)
        }
      }
    })

    it('exports the page listSessions gives, each session whole: its messages, traces and ratings, and only its own', async () => {
      // The same id in two scopes is two sessions: neither takes the other's messages or traces.
      const shared = `shared-${randomUUID()}`
      const publicKey = { ...sessionOf(agent, 'public'), sessionId: shared }
      const linkKey = { ...sessionOf(agent, 'link:lnk_b'), sessionId: shared }
      const firstTrace = await chat(store, publicKey, 'public one')
      const secondTrace = await chat(store, publicKey, 'public two')
      const linkTrace = await chat(store, linkKey, 'via link')
      await store.setFeedback(publicKey, 4, { rating: 'down', comment: 'vague' })
      const queries = [{}, { excludeScope: 'try' }, { scope: 'public' }, { from: mark }, { feedback: 'down' }, { feedback: 'up' }] as Omit<
        SessionQuery,
        'limit'
      >[]
      for (const query of queries) {
        const listed = await store.listSessions(agent.id, { limit: 50, ...query })
        const exported = await store.exportSessions(agent.id, { limit: 50, ...query })
        expect(exported.map(({ messages, traces, feedback, ...summary }) => summary)).toEqual(listed)
      }
      expect((await store.exportSessions(agent.id, { limit: 50, feedback: 'down' })).map((row) => [row.sessionId, row.scope])).toEqual([[shared, 'public']])
      const all = await store.exportSessions(agent.id, { limit: 50 })
      const publicOne = all.find((row) => row.sessionId === shared && row.scope === 'public')!
      expect(publicOne.messages).toEqual(await store.getMessages(publicKey))
      expect(publicOne.messages.map((m) => [m.seq, m.content, m.traceId])).toEqual([
        [1, text('public one'), firstTrace],
        [2, text('answer to public one'), firstTrace],
        [3, text('public two'), secondTrace],
        [4, text('answer to public two'), secondTrace],
      ])
      expect(publicOne.traces).toEqual(await store.listSessionTraces(publicKey))
      expect(publicOne.traces.map((t) => t.traceId)).toEqual([firstTrace, secondTrace])
      expect(publicOne.feedback).toEqual(await store.listFeedback(publicKey))
      expect(publicOne.feedback.map((f) => [f.seq, f.rating, f.comment, f.traceId])).toEqual([[4, 'down', 'vague', secondTrace]])
      const viaLink = all.find((row) => row.sessionId === shared && row.scope === 'link:lnk_b')!
      expect(viaLink.messages.map((m) => m.traceId)).toEqual([linkTrace, linkTrace])
      expect(viaLink.traces.map((t) => t.traceId)).toEqual([linkTrace])
      expect(viaLink.feedback).toEqual([])
      expect(await store.exportSessions((await newAgent(store)).id, { limit: 50 })).toEqual([])
    })

    it('pages the export with the listing’s cursors: every session once, in order', async () => {
      const all = (await store.listSessions(agent.id, { limit: 50, excludeScope: 'try' })).map((row) => row.sessionId)
      const rows = await allPages((after) => store.exportSessions(agent.id, { excludeScope: 'try', limit: 3, after }), 2)
      expect(ids(rows)).toEqual(all)
      for (const row of rows) expect(row.messages.length).toBe(row.messageCount)
      await expect(store.exportSessions(agent.id, { limit: 5, after: 'x' })).rejects.toBeInstanceOf(InvalidCursorError)
    })

    it('makes cursors that fit a URL, and refuses a string that is not one of its cursors', async () => {
      for (const row of await store.listSessions(agent.id, { limit: 50 })) expect(row.cursor).toMatch(/^[A-Za-z0-9_-]{1,200}$/)
      for (const bad of ['bm9wZQ', 'x', Buffer.from('[1,2]').toString('base64url')]) {
        await expect(store.listSessions(agent.id, { limit: 5, after: bad })).rejects.toBeInstanceOf(InvalidCursorError)
      }
    })
  })
}
