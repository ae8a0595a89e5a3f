/**
 * GET /api/v1/analytics over real HTTP, on the store the run picks (`PORCH_TEST_STORE=postgres`
 * for PostgreSQL): what real chats count, who may ask, and bad queries refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnalyticsReport, AnalyticsReportSchema } from '../../../shared/analytics.ts'
import { readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
let agentId: string
let otherId: string
let linkId: string
let from: string
beforeAll(async () => {
  // Three messages per minute per visitor and agent: the fourth public one is refused (and counted).
  host = await startTestHost({ PORCH_RATE_CHAT_PER_MINUTE: '3' })
  from = new Date(Date.now() - 60_000).toISOString()
  const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
  agentId = agent.id
  otherId = (await host.owner.publishedAgent({ model: 'demo:instant' })).id
  const link = (await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'analytics' })).body
  linkId = link.id
  await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: 'What time is it?', session_id: 'a-1' }))
  await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: 'hello again', session_id: 'a-1' }))
  await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: 'hello', session_id: 'a-2' }))
  await readSse(await host.post(`/api/v1/links/${link.token}/chat`, { request: 'via link', session_id: 'l-1' }))
  await readSse(await host.post(`/api/v1/published/${otherId}/chat`, { request: 'elsewhere', session_id: 'o-1' }))
})
afterAll(async () => {
  await host.stop()
})

const to = () => new Date(Date.now() + 60_000).toISOString()
const analytics = (query: string, token?: string) =>
  fetch(`${host.url}/api/v1/analytics?${query}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

describe('GET /api/v1/analytics', () => {
  it('counts an agent’s chats: totals, times, the day, scopes with the link, the version and tools', async () => {
    const result = await host.owner.call('GET', `/analytics?agent_id=${agentId}&from=${from}&to=${to()}`)
    expect(result.status).toBe(200)
    const report: AnalyticsReport = AnalyticsReportSchema.parse(result.body)
    expect(report).toMatchObject({
      agent_id: agentId,
      group: 'day',
      totals: { conversations: 3, visitors: 3, runs: 4, errors: 0, feedback_up: 0, feedback_down: 0, satisfaction: null, rate_limited: 0 },
    })
    // The range is counted in whole hours, and says so.
    expect(report.from).toMatch(/T\d\d:00:00\.000Z$/)
    expect(report.to).toMatch(/T\d\d:00:00\.000Z$/)
    expect(report.totals.output_tokens).toBeGreaterThan(0)
    expect(report.totals.total_ms.p50).toEqual(expect.any(Number))
    expect(report.totals.total_ms.p95!).toBeGreaterThanOrEqual(report.totals.total_ms.p50!)
    expect(report.series.reduce((sum, day) => sum + day.runs, 0)).toBe(4)
    expect(report.by_scope.map((s) => [s.scope, s.link_id, s.conversations, s.runs])).toEqual([
      ['public', null, 2, 3],
      [`link:${linkId}`, linkId, 1, 1],
    ])
    expect(report.by_version).toEqual([expect.objectContaining({ agent_id: agentId, version: 1, runs: 4 })])
    expect(report.tools).toEqual([{ name: 'current_time', calls: 1, errors: 0 }])
    expect(report.by_agent).toEqual([expect.objectContaining({ agent_id: agentId, runs: 4, conversations: 3 })])
  })

  it('counts ratings and the satisfaction rate, and messages refused by a rate limit', async () => {
    const rate = (session: string, rating: 'up' | 'down') =>
      fetch(`${host.url}/api/v1/published/${agentId}/sessions/${session}/messages/2/feedback`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rating }),
      })
    expect((await rate('a-1', 'up')).status).toBe(200)
    expect((await rate('a-2', 'down')).status).toBe(200)
    const refused = await host.post(`/api/v1/published/${agentId}/chat`, { request: 'one too many', session_id: 'a-3' })
    expect(refused.status).toBe(429)
    const report = (await host.owner.call('GET', `/analytics?agent_id=${agentId}&from=${from}&to=${to()}`)).body as AnalyticsReport
    expect(report.totals).toMatchObject({ runs: 4, feedback_up: 1, feedback_down: 1, satisfaction: 0.5, rate_limited: 1 })
    expect(report.series.reduce((sum, bucket) => sum + bucket.rate_limited, 0)).toBe(1)
    expect(report.by_scope.find((s) => s.scope === 'public')).toMatchObject({ feedback_up: 1, feedback_down: 1, satisfaction: 0.5 })
    // The other agent's numbers do not move.
    const other = (await host.owner.call('GET', `/analytics?agent_id=${otherId}&from=${from}&to=${to()}`)).body as AnalyticsReport
    expect(other.totals).toMatchObject({ runs: 1, rate_limited: 0, feedback_up: 0 })
  })

  it('counts every agent when the admin leaves agent_id out, by hour', async () => {
    const result = await host.owner.call('GET', `/analytics?from=${from}&to=${to()}&group=hour`)
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ agent_id: null, group: 'hour', totals: { runs: 5, conversations: 4 } })
    expect((result.body as AnalyticsReport).by_version.map((v) => v.agent_id).sort()).toEqual([agentId, otherId].sort())
  })

  it('counts refusals of a chat key’s limit (the compat APIs) too', async () => {
    const keyed = await host.owner.publishedAgent({ model: 'demo:instant' })
    const key = (await host.owner.call('POST', `/agents/${keyed.id}/keys`, { name: 'server' })).body.key as string
    // A key gets 20 × PORCH_RATE_CHAT_PER_MINUTE (3) a minute: the 61st is refused.
    const statuses: number[] = []
    for (let i = 0; i < 61; i++) {
      const reply = await host.post(
        '/v1/chat/completions',
        { model: keyed.id, messages: [{ role: 'user', content: `hi ${i}` }] },
        { authorization: `Bearer ${key}` },
      )
      statuses.push(reply.status)
      await reply.body?.cancel()
    }
    expect(statuses.filter((status) => status === 429)).toHaveLength(1)
    const report = (await host.owner.call('GET', `/analytics?agent_id=${keyed.id}&from=${from}&to=${to()}`)).body as AnalyticsReport
    expect(report.totals).toMatchObject({ runs: 60, rate_limited: 1 })
  })

  it('lets a key limited to some agents read only those, naming one', async () => {
    const minted = await host.owner.call('POST', '/owner-keys', { name: 'analytics viewer', role: 'viewer', agent_ids: [agentId] })
    expect(minted.status).toBe(201)
    const key = minted.body.key as string
    expect((await analytics(`agent_id=${agentId}&from=${from}&to=${to()}`, key)).status).toBe(200)
    const other = await analytics(`agent_id=${otherId}&from=${from}&to=${to()}`, key)
    expect(other.status).toBe(403)
    // Its body names nothing of the other agent.
    expect(JSON.stringify(await other.json())).not.toContain('runs')
    const unnamed = await analytics(`from=${from}&to=${to()}`, key)
    expect(unnamed.status).toBe(400)
    expect((await unnamed.json()).error.message).toMatch(/agent_id/)
    expect((await analytics(`agent_id=${agentId}&from=${from}&to=${to()}`)).status).toBe(401)
  })

  it.each([
    ['no range', `agent_id=AGENT`, /from/],
    ['from after to', `agent_id=AGENT&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, /from must be before to/],
    ['an unknown group', `agent_id=AGENT&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&group=week`, /group/],
    ['too wide by hour', `agent_id=AGENT&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&group=hour`, /too wide/],
    ['a bad agent id', `agent_id=nope&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`, /agent_id/],
  ])('refuses %s with a 400 that names the problem', async (_, query, message) => {
    const result = await host.owner.call('GET', `/analytics?${query.replace('AGENT', agentId)}`)
    expect(result.status).toBe(400)
    expect(result.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) })
  })
})
