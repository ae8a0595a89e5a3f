/**
 * Analytics: the owner's counts over a range of run start times, per agent and across agents,
 * by bucket, scope, version and agent, with percentiles, feedback, visitors, rate-limit refusals
 * and the most used tools and knowledge sources, all read from the rollup the store keeps as
 * runs finish. The runs are dated in the past, in a range no other contract test writes to.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord, SessionKey, Store, ToolCallTrace } from '../store.ts'
import { newAgent, type StoreContractTarget, sessionOf, traceStart, turn } from './support.ts'

const DAY1 = '2001-02-03'
const DAY2 = '2001-02-04'
const LINK_SCOPE = 'link:lnk_analyticsContract1'

async function run(
  store: Store,
  key: SessionKey,
  startedAt: string,
  outcome: Partial<{
    status: 'success' | 'error'
    firstTokenMs: number | null
    totalMs: number
    inputTokens: number
    outputTokens: number
    toolCalls: ToolCallTrace[]
  }>,
  version = 1,
  extra: { visitor?: string; sources?: string[] } = {},
) {
  const start = { ...traceStart(key, randomUUID(), startedAt), version, ...(extra.visitor ? { visitor: extra.visitor } : {}) }
  await store.startTrace(start)
  const finished = turn(key, start.traceId, 'q')
  const sources = (extra.sources ?? []).map((title, i) => ({ index: i + 1, title, heading_path: [], url: null, source_id: `src-${title}` }))
  const messages = finished.messages.map((m) => (m.role === 'assistant' && sources.length > 0 ? { ...m, sources } : m))
  await store.finishRun({ ...finished, messages, outcome: { ...finished.outcome, ...outcome, error: outcome.status === 'error' ? 'failed' : null } })
}

const none = { visitors: 0, feedbackUp: 0, feedbackDown: 0 }

const call = (name: string, isError: boolean): ToolCallTrace => ({ tool_call_id: randomUUID(), tool_name: name, turn: 1, is_error: isError, duration_ms: 1 })

export function describeAnalytics(target: StoreContractTarget) {
  describe('analytics', () => {
    let store: Store
    let agent: AgentRecord
    let other: AgentRecord
    let signedIn: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
      other = await newAgent(store)
      signedIn = await newAgent(store)
      const visitor = sessionOf(agent)
      // Ten runs of one public session, first-token times 1…10 ms and total times 10…100 ms: six on day 1, four on day 2.
      for (let i = 1; i <= 10; i++) {
        const at = i <= 6 ? `${DAY1}T10:0${i - 1}:00.000Z` : `${DAY2}T11:0${i - 7}:00.000Z`
        const sources = i === 2 ? ['Opening hours', 'Prices'] : i === 3 ? ['Prices'] : []
        await run(store, visitor, at, { firstTokenMs: i, totalMs: 10 * i, toolCalls: i === 1 ? [call('current_time', false)] : [] }, 1, { sources })
      }
      // The visitor rates the first answer up and the second down (seq 2 and 4).
      await store.setFeedback(visitor, 2, { rating: 'up', comment: null })
      await store.setFeedback(visitor, 4, { rating: 'down', comment: 'no' })
      // One failed run through a share link, on version 2, with no first token (total times now 5, 10…100).
      const linkVisitor = sessionOf(agent, LINK_SCOPE)
      await run(
        store,
        linkVisitor,
        `${DAY2}T12:00:00.000Z`,
        {
          status: 'error',
          firstTokenMs: null,
          totalMs: 5,
          inputTokens: 5,
          outputTokens: 0,
          toolCalls: [call('current_time', true), call('search_knowledge', false)],
        },
        2,
      )
      await store.setFeedback(linkVisitor, 2, { rating: 'up', comment: null })
      // Just outside the range on both ends, and another agent's run inside it.
      await run(store, sessionOf(agent), '2001-02-02T23:59:59.999Z', {})
      await run(store, sessionOf(agent), '2001-02-05T00:00:00.000Z', {})
      await run(store, sessionOf(other), `${DAY1}T09:00:00.000Z`, { inputTokens: 7 })
      // A signed-in visitor in two conversations, and an anonymous one.
      await run(store, sessionOf(signedIn), `${DAY1}T08:00:00.000Z`, {}, 1, { visitor: 'user-1' })
      await run(store, sessionOf(signedIn), `${DAY2}T08:00:00.000Z`, {}, 1, { visitor: 'user-1' })
      await run(store, sessionOf(signedIn), `${DAY2}T09:00:00.000Z`, {})
      // Refusals, in two batches (as two hosts would write them); an unknown agent's are skipped.
      await store.addRefusals([{ agentId: agent.id, hour: `${DAY1}T10:00:00.000Z`, refusals: 3 }])
      await store.addRefusals([
        { agentId: agent.id, hour: `${DAY1}T10:00:00.000Z`, refusals: 2 },
        { agentId: agent.id, hour: `${DAY2}T13:00:00.000Z`, refusals: 1 },
        { agentId: randomUUID(), hour: `${DAY1}T10:00:00.000Z`, refusals: 9 },
      ])
    })
    afterAll(async () => {
      await target.close(store)
    })

    const range = { from: `${DAY1}T00:00:00.000Z`, to: '2001-02-05T00:00:00.000Z' }

    it('counts one agent’s runs in the range: totals, percentiles, feedback, refusals, days, scopes, versions, tools and sources', async () => {
      const report = await store.analytics({ agentId: agent.id, ...range, bucket: 'day' }, 10)
      expect(report.totals).toEqual({
        conversations: 2,
        visitors: 2,
        runs: 11,
        errors: 1,
        inputTokens: 35,
        outputTokens: 40,
        feedbackUp: 2,
        feedbackDown: 1,
        refusals: 6,
        // From the histogram: the nearest-rank 5, 10, 50 and 100 ms, each within 9.1 %.
        firstTokenMs: { p50: 5, p95: 10 },
        totalMs: { p50: 49, p95: 99 },
      })
      expect(report.series).toEqual([
        {
          start: `${DAY1}T00:00:00.000Z`,
          conversations: 1,
          visitors: 1,
          runs: 6,
          errors: 0,
          inputTokens: 18,
          outputTokens: 24,
          feedbackUp: 1,
          feedbackDown: 1,
          refusals: 5,
        },
        {
          start: `${DAY2}T00:00:00.000Z`,
          conversations: 1,
          visitors: 1,
          runs: 5,
          errors: 1,
          inputTokens: 17,
          outputTokens: 16,
          feedbackUp: 1,
          feedbackDown: 0,
          refusals: 1,
        },
      ])
      expect(report.byScope).toEqual([
        { scope: 'public', conversations: 1, visitors: 1, runs: 10, errors: 0, inputTokens: 30, outputTokens: 40, feedbackUp: 1, feedbackDown: 1 },
        { scope: LINK_SCOPE, conversations: 1, visitors: 1, runs: 1, errors: 1, inputTokens: 5, outputTokens: 0, feedbackUp: 1, feedbackDown: 0 },
      ])
      expect(report.byVersion).toEqual([
        {
          agentId: agent.id,
          version: 1,
          conversations: 1,
          visitors: 1,
          runs: 10,
          errors: 0,
          inputTokens: 30,
          outputTokens: 40,
          feedbackUp: 1,
          feedbackDown: 1,
        },
        { agentId: agent.id, version: 2, conversations: 1, visitors: 1, runs: 1, errors: 1, inputTokens: 5, outputTokens: 0, feedbackUp: 1, feedbackDown: 0 },
      ])
      expect(report.byAgent).toEqual([
        { agentId: agent.id, conversations: 2, visitors: 2, runs: 11, errors: 1, inputTokens: 35, outputTokens: 40, feedbackUp: 2, feedbackDown: 1 },
      ])
      expect(report.tools).toEqual([
        { name: 'current_time', calls: 2, errors: 1 },
        { name: 'search_knowledge', calls: 1, errors: 0 },
      ])
      expect(report.sources).toEqual([
        { title: 'Prices', citations: 2 },
        { title: 'Opening hours', citations: 1 },
      ])
    })

    it('counts a signed-in visitor once across conversations, an anonymous one per session', async () => {
      const report = await store.analytics({ agentId: signedIn.id, ...range, bucket: 'day' }, 10)
      expect(report.totals).toMatchObject({ conversations: 3, visitors: 2, runs: 3 })
      expect(report.series.map((b) => [b.start.slice(0, 10), b.conversations, b.visitors])).toEqual([
        [DAY1, 1, 1],
        [DAY2, 2, 1],
      ])
    })

    it('counts a session’s anonymous visitor once, signed-in runs before or after it', async () => {
      // Dated apart from the runs above, so the every-agent counts below stay theirs.
      const mixed = await newAgent(store)
      const first = sessionOf(mixed)
      const second = sessionOf(mixed)
      await run(store, first, '2001-03-10T08:00:00.000Z', {}, 1, { visitor: 'user-2' })
      await run(store, second, '2001-03-10T09:00:00.000Z', {})
      // The first session's anonymous runs: its visitor is new once; the second's signed-in
      // runs: user-2 is not new, user-3 is.
      await run(store, first, '2001-03-11T08:00:00.000Z', {})
      await run(store, first, '2001-03-11T09:00:00.000Z', {})
      await run(store, second, '2001-03-11T10:00:00.000Z', {}, 1, { visitor: 'user-2' })
      await run(store, second, '2001-03-11T11:00:00.000Z', {}, 1, { visitor: 'user-3' })
      const report = await store.analytics({ agentId: mixed.id, from: '2001-03-10T00:00:00.000Z', to: '2001-03-12T00:00:00.000Z', bucket: 'day' }, 10)
      expect(report.totals).toMatchObject({ conversations: 2, visitors: 4, runs: 6 })
      expect(report.series.map((b) => [b.start.slice(0, 10), b.conversations, b.visitors, b.runs])).toEqual([
        ['2001-03-10', 2, 2, 2],
        ['2001-03-11', 0, 2, 4],
      ])
    })

    it('counts a new signed-in visitor once when two of their conversations finish at once', async () => {
      const racing = await newAgent(store)
      for (let i = 0; i < 5; i++) {
        await Promise.all([0, 1].map(() => run(store, sessionOf(racing), '2001-03-12T08:00:00.000Z', {}, 1, { visitor: `racer-${i}` })))
      }
      const report = await store.analytics({ agentId: racing.id, from: '2001-03-12T00:00:00.000Z', to: '2001-03-13T00:00:00.000Z', bucket: 'day' }, 10)
      expect(report.totals).toMatchObject({ conversations: 10, visitors: 5, runs: 10 })
    })

    it('groups by hour, and keeps only the top tools asked for', async () => {
      const report = await store.analytics({ agentId: agent.id, ...range, bucket: 'hour' }, 1)
      expect(report.series.map((b) => [b.start, b.runs])).toEqual([
        [`${DAY1}T10:00:00.000Z`, 6],
        [`${DAY2}T11:00:00.000Z`, 4],
        [`${DAY2}T12:00:00.000Z`, 1],
        // A bucket with refusals only.
        [`${DAY2}T13:00:00.000Z`, 0],
      ])
      expect(report.tools).toEqual([{ name: 'current_time', calls: 2, errors: 1 }])
      expect(report.sources).toEqual([{ title: 'Prices', citations: 2 }])
    })

    it('counts every agent’s runs without an agent', async () => {
      const report = await store.analytics({ ...range, bucket: 'day' }, 10)
      expect(report.byVersion).toEqual(
        expect.arrayContaining([
          {
            agentId: agent.id,
            version: 1,
            conversations: 1,
            visitors: 1,
            runs: 10,
            errors: 0,
            inputTokens: 30,
            outputTokens: 40,
            feedbackUp: 1,
            feedbackDown: 1,
          },
          { agentId: other.id, version: 1, conversations: 1, visitors: 1, runs: 1, errors: 0, inputTokens: 7, outputTokens: 4, feedbackUp: 0, feedbackDown: 0 },
        ]),
      )
      expect(report.byAgent.map((a) => a.agentId)).toEqual(expect.arrayContaining([agent.id, other.id, signedIn.id]))
      expect(report.totals.runs).toBeGreaterThanOrEqual(15)
    })

    it('moves a changed rating, takes back a cleared one, and lets an agent with ratings be deleted', async () => {
      const key = sessionOf(signedIn)
      await run(store, key, `${DAY2}T20:00:00.000Z`, {})
      const day2 = async () => (await store.analytics({ agentId: signedIn.id, ...range, bucket: 'day' }, 10)).series.find((b) => b.start.startsWith(DAY2))!
      await store.setFeedback(key, 2, { rating: 'up', comment: null })
      expect(await day2()).toMatchObject({ feedbackUp: 1, feedbackDown: 0 })
      await store.setFeedback(key, 2, { rating: 'down', comment: 'changed my mind' })
      expect(await day2()).toMatchObject({ feedbackUp: 0, feedbackDown: 1 })
      await store.setFeedback(key, 2, null)
      expect(await day2()).toMatchObject({ feedbackUp: 0, feedbackDown: 0 })
      await store.setFeedback(key, 2, { rating: 'up', comment: null })
      // A regenerated answer loses its rating, and the count with it.
      await store.dropMessagesFrom(key, 2)
      expect(await day2()).toMatchObject({ feedbackUp: 0, feedbackDown: 0, runs: 3 })

      const doomed = await newAgent(store)
      const doomedKey = sessionOf(doomed)
      await run(store, doomedKey, `${DAY1}T12:00:00.000Z`, {})
      await store.setFeedback(doomedKey, 2, { rating: 'down', comment: null })
      expect((await store.analytics({ agentId: doomed.id, ...range, bucket: 'day' }, 10)).totals.feedbackDown).toBe(1)
      expect(await store.deleteAgent(doomed.id)).toBe(true)
      expect((await store.analytics({ agentId: doomed.id, ...range, bucket: 'day' }, 10)).totals.runs).toBe(0)
    })

    it('answers an empty range with zeros, no percentiles and no rows', async () => {
      const report = await store.analytics({ agentId: agent.id, from: '2001-01-01T00:00:00.000Z', to: '2001-01-02T00:00:00.000Z', bucket: 'day' }, 10)
      expect(report).toEqual({
        totals: {
          conversations: 0,
          runs: 0,
          errors: 0,
          inputTokens: 0,
          outputTokens: 0,
          ...none,
          refusals: 0,
          firstTokenMs: { p50: null, p95: null },
          totalMs: { p50: null, p95: null },
        },
        series: [],
        byScope: [],
        byVersion: [],
        byAgent: [],
        tools: [],
        sources: [],
      })
    })
  })
}
