/**
 * Analytics: the owner's counts over a range of run start times, per agent and across agents,
 * by bucket, scope and version, with percentiles and the most used tools. The runs are dated
 * in the past, in a range no other contract test writes to.
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
) {
  const start = { ...traceStart(key, randomUUID(), startedAt), version }
  await store.startTrace(start)
  const finished = turn(key, start.traceId, 'q')
  await store.finishRun({ ...finished, outcome: { ...finished.outcome, ...outcome, error: outcome.status === 'error' ? 'failed' : null } })
}

const call = (name: string, isError: boolean): ToolCallTrace => ({ tool_call_id: randomUUID(), tool_name: name, turn: 1, is_error: isError, duration_ms: 1 })

export function describeAnalytics(target: StoreContractTarget) {
  describe('analytics', () => {
    let store: Store
    let agent: AgentRecord
    let other: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
      other = await newAgent(store)
      const visitor = sessionOf(agent)
      // Ten runs of one public session, first-token times 1…10 ms and total times 10…100 ms: six on day 1, four on day 2.
      for (let i = 1; i <= 10; i++) {
        const at = i <= 6 ? `${DAY1}T10:0${i - 1}:00.000Z` : `${DAY2}T11:0${i - 7}:00.000Z`
        await run(store, visitor, at, { firstTokenMs: i, totalMs: 10 * i, toolCalls: i === 1 ? [call('current_time', false)] : [] })
      }
      // One failed run through a share link, on version 2, with no first token (total times now 5, 10…100).
      await run(
        store,
        sessionOf(agent, LINK_SCOPE),
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
      // Just outside the range on both ends, and another agent's run inside it.
      await run(store, sessionOf(agent), '2001-02-02T23:59:59.999Z', {})
      await run(store, sessionOf(agent), '2001-02-05T00:00:00.000Z', {})
      await run(store, sessionOf(other), `${DAY1}T09:00:00.000Z`, { inputTokens: 7 })
    })
    afterAll(async () => {
      await target.close(store)
    })

    const range = { from: `${DAY1}T00:00:00.000Z`, to: '2001-02-05T00:00:00.000Z' }

    it('counts one agent’s runs in the range: totals, percentiles, days, scopes, versions and tools', async () => {
      const report = await store.analytics({ agentId: agent.id, ...range, bucket: 'day' }, 10)
      expect(report.totals).toEqual({
        conversations: 2,
        runs: 11,
        errors: 1,
        inputTokens: 35,
        outputTokens: 40,
        firstTokenMs: { p50: 5, p95: 10 },
        totalMs: { p50: 50, p95: 100 },
      })
      expect(report.series).toEqual([
        { start: `${DAY1}T00:00:00.000Z`, conversations: 1, runs: 6, errors: 0, inputTokens: 18, outputTokens: 24 },
        { start: `${DAY2}T00:00:00.000Z`, conversations: 2, runs: 5, errors: 1, inputTokens: 17, outputTokens: 16 },
      ])
      expect(report.byScope).toEqual([
        { scope: 'public', conversations: 1, runs: 10, errors: 0, inputTokens: 30, outputTokens: 40 },
        { scope: LINK_SCOPE, conversations: 1, runs: 1, errors: 1, inputTokens: 5, outputTokens: 0 },
      ])
      expect(report.byVersion).toEqual([
        { agentId: agent.id, version: 1, conversations: 1, runs: 10, errors: 0, inputTokens: 30, outputTokens: 40 },
        { agentId: agent.id, version: 2, conversations: 1, runs: 1, errors: 1, inputTokens: 5, outputTokens: 0 },
      ])
      expect(report.tools).toEqual([
        { name: 'current_time', calls: 2, errors: 1 },
        { name: 'search_knowledge', calls: 1, errors: 0 },
      ])
    })

    it('groups by hour, and keeps only the top tools asked for', async () => {
      const report = await store.analytics({ agentId: agent.id, ...range, bucket: 'hour' }, 1)
      expect(report.series.map((b) => [b.start, b.runs])).toEqual([
        [`${DAY1}T10:00:00.000Z`, 6],
        [`${DAY2}T11:00:00.000Z`, 4],
        [`${DAY2}T12:00:00.000Z`, 1],
      ])
      expect(report.tools).toEqual([{ name: 'current_time', calls: 2, errors: 1 }])
    })

    it('counts every agent’s runs without an agent', async () => {
      const report = await store.analytics({ ...range, bucket: 'day' }, 10)
      expect(report.byVersion).toEqual(
        expect.arrayContaining([
          { agentId: agent.id, version: 1, conversations: 1, runs: 10, errors: 0, inputTokens: 30, outputTokens: 40 },
          { agentId: other.id, version: 1, conversations: 1, runs: 1, errors: 0, inputTokens: 7, outputTokens: 4 },
        ]),
      )
      expect(report.totals.runs).toBeGreaterThanOrEqual(12)
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
          firstTokenMs: { p50: null, p95: null },
          totalMs: { p50: null, p95: null },
        },
        series: [],
        byScope: [],
        byVersion: [],
        tools: [],
      })
    })
  })
}
