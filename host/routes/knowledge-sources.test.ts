/**
 * A visitor's side of knowledge, over real HTTP: the answer's sources in the stream, the sync
 * reply and the session history, each upload (or pasted text) with a `file_url` the visitor can
 * download; and that URL reaches only files of the version the visitor chats with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TranscriptMessageSchema } from '../../shared/console.ts'
import { type Agent, type AnswerSource, SessionHistorySchema, SyncReplySchema } from '../../shared/index.ts'
import { readSse, startTestHost, type TestHost } from '../testing/harness.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host?.stop()
})

const GUIDE = '# Bakery guide\n\n## Custom cakes\n\nWe bake custom cakes to order. Order a cake three days ahead.\n'
const HOURS = 'The bakery opens at seven. Cakes can be collected from seven until noon.'

/** An agent on the demo model with an uploaded guide and a pasted text, published in the given mode. */
async function agentWithKnowledge(mode: 'streaming' | 'non_streaming' = 'streaming') {
  const agent = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
  const guide = await host.owner.addKnowledge(agent.id, { filename: 'guide.md', body: GUIDE, contentType: 'text/markdown' })
  const hours = await host.owner.addKnowledge(agent.id, { title: 'Opening hours', text: HOURS })
  await host.owner.publish(agent.id, { api_response_mode: mode })
  return { agent, guide, hours }
}

const fileUrlOf = (agent: Agent, sourceId: string) => `/api/v1/published/${agent.id}/knowledge/${sourceId}/file`

describe('an answer’s sources', () => {
  it('streams them with a file_url for each upload, serves that file as a download, and keeps them in the history', async () => {
    const { agent, guide, hours } = await agentWithKnowledge()
    const response = await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'When can I collect custom cakes?', session_id: 'cakes-1' })
    expect(response.status).toBe(200)
    const events = (await readSse(response)).map((m) => m.data)
    expect(events.some((e) => e.event_type === 'tool_call' && e.tool_name === 'search_knowledge')).toBe(true)
    const sourcesEvent = events.find((e) => e.event_type === 'sources')
    if (sourcesEvent?.event_type !== 'sources') throw new Error('no sources event')
    const sources = sourcesEvent.sources
    expect(sources.map((s) => s.source_id).sort()).toEqual([guide, hours].sort())
    for (const source of sources) {
      expect(source.url).toBeNull()
      expect(source.file_url).toBe(fileUrlOf(agent, source.source_id))
    }
    expect(sources.map((s) => s.index)).toEqual([1, 2])
    // The answer cites one of them by its number.
    const answer = events.find((e) => e.event_type === 'complete')
    expect(answer?.event_type === 'complete' && /\[[12]\]/.test(answer.answer)).toBe(true)

    const guideSource = sources.find((s) => s.source_id === guide)!
    const file = await host.get(guideSource.file_url!)
    expect(file.status).toBe(200)
    expect(await file.text()).toBe(GUIDE)
    expect(file.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="guide.md"; filename*=UTF-8''guide.md`)
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    const pasted = await host.get(sources.find((s) => s.source_id === hours)!.file_url!)
    expect(pasted.status).toBe(200)
    expect(await pasted.text()).toBe(HOURS)

    const history = SessionHistorySchema.parse(await (await host.get(`/api/v1/published/${agent.id}/sessions/cakes-1`)).json())
    const withSources = history.messages.filter((m) => m.sources)
    expect(withSources).toHaveLength(1)
    expect(withSources[0]!.role).toBe('assistant')
    expect(withSources[0]).toBe(history.messages.at(-1))
    expect(withSources[0]!.sources).toEqual(sources)
    // The stored content holds no trace of them: only blocks an old widget knows.
    expect(history.messages.flatMap((m) => m.content.map((b) => b.type))).not.toContain('sources')

    // The owner's transcript shows them too (without the visitor's file_url).
    const transcript = await host.owner.call('GET', `/agents/${agent.id}/sessions/cakes-1?scope=public`)
    expect(transcript.status).toBe(200)
    const owned = transcript.body.messages.map((m: unknown) => TranscriptMessageSchema.parse(m)).filter((m: { sources?: AnswerSource[] }) => m.sources)
    expect(owned[0].sources).toEqual(sources.map(({ file_url: _, ...source }) => source))
  })

  it('gives them in the sync reply, with the same file_url', async () => {
    const { agent, guide } = await agentWithKnowledge('non_streaming')
    const response = await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'How do I order custom cakes?' })
    expect(response.status).toBe(200)
    const reply = SyncReplySchema.parse(await response.json())
    const cited = reply.sources?.find((s) => s.source_id === guide)
    expect(cited?.file_url).toBe(fileUrlOf(agent, guide))
    expect((await host.get(cited!.file_url!)).status).toBe(200)
  })

  it('counts them for the owner’s analytics: the most used knowledge sources, once per answer', async () => {
    const { agent } = await agentWithKnowledge('non_streaming')
    const titles: string[][] = []
    for (const request of ['How do I order custom cakes?', 'When can I collect custom cakes?']) {
      const reply = SyncReplySchema.parse(await (await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request })).json())
      titles.push([...new Set((reply.sources ?? []).map((source) => source.title))])
    }
    expect(titles.flat().length).toBeGreaterThan(0)
    const counted = new Map<string, number>()
    for (const title of titles.flat()) counted.set(title, (counted.get(title) ?? 0) + 1)
    const hour = 3_600_000
    const from = new Date(Math.floor(Date.now() / hour) * hour - hour).toISOString()
    const to = new Date(Math.ceil(Date.now() / hour) * hour + hour).toISOString()
    const report = (await host.owner.call('GET', `/analytics?agent_id=${agent.id}&from=${from}&to=${to}`)).body
    expect(Object.fromEntries(report.sources.map((s: { title: string; citations: number }) => [s.title, s.citations]))).toEqual(Object.fromEntries(counted))
    expect(report.tools).toEqual([expect.objectContaining({ name: 'search_knowledge', calls: expect.any(Number) })])
  })

  it('sends no sources when the agent has no knowledge', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const reply = SyncReplySchema.parse(await (await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'What is a cake?' })).json())
    expect(reply.sources).toBeUndefined()
  })
})

describe('a visitor’s knowledge file', () => {
  it('is served only from the version the visitor chats with: never another agent’s, a draft-only or a deleted source', async () => {
    const agent = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
    const guide = await host.owner.addKnowledge(agent.id, { filename: 'guide.md', body: GUIDE, contentType: 'text/markdown' })
    // Added, then deleted before publishing: no version has it.
    const doomed = await host.owner.addKnowledge(agent.id, { title: 'Old prices', text: 'A loaf is two euros.' })
    expect((await host.owner.call('DELETE', `/agents/${agent.id}/knowledge/sources/${doomed}`)).status).toBe(204)
    await host.owner.publish(agent.id)
    // Added after publishing: in the draft only.
    const draftOnly = await host.owner.addKnowledge(agent.id, { title: 'Secret plans', text: 'A new cake next spring.' })
    const other = await agentWithKnowledge()
    const unpublished = await host.owner.createAgent({ name: 'Draft only', model: 'demo:instant' })
    const neverPublished = await host.owner.addKnowledge(unpublished.id, { title: 'Draft', text: 'Not yet out.' })

    expect((await host.get(fileUrlOf(agent, guide))).status).toBe(200)
    for (const [agentId, sourceId] of [
      [agent.id, other.guide],
      [other.agent.id, guide],
      [agent.id, draftOnly],
      [agent.id, doomed],
      [unpublished.id, neverPublished],
      [agent.id, 'not-a-source'],
      [agent.id, '00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const response = await host.get(`/api/v1/published/${agentId}/knowledge/${sourceId}/file`)
      expect(response.status, `${agentId} ${sourceId}`).toBe(404)
      expect((await response.json()).error.code).toBe('not_found')
    }
  })

  it('follows the agent’s access: a link-only agent serves it through a live link, not its id', async () => {
    const { agent, guide } = await agentWithKnowledge()
    const link = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Friends' })
    expect(link.status).toBe(201)
    expect((await host.get(`/api/v1/links/${link.body.token}/knowledge/${guide}/file`)).status).toBe(200)
    expect((await host.owner.updateAgent(agent.id, { access: 'link' })).access).toBe('link')
    const refused = await host.get(fileUrlOf(agent, guide))
    expect(refused.status).toBe(403)
    expect((await refused.json()).error.code).toBe('link_only')
    expect((await host.get(`/api/v1/links/${link.body.token}/knowledge/${guide}/file`)).status).toBe(200)
    expect((await host.owner.call('PATCH', `/links/${link.body.id}`, { enabled: false })).status).toBe(200)
    expect((await host.get(`/api/v1/links/${link.body.token}/knowledge/${guide}/file`)).status).toBe(404)
  })

  it('streams a link’s sources with the link’s own file_url', async () => {
    const { agent, guide } = await agentWithKnowledge()
    const link = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Share' })
    const response = await host.post(`/api/v1/links/${link.body.token}/chat`, { request: 'How do I order custom cakes?' })
    const sources = (await readSse(response)).flatMap((m) => (m.data.event_type === 'sources' ? m.data.sources : []))
    expect(sources.find((s) => s.source_id === guide)?.file_url).toBe(`/api/v1/links/${link.body.token}/knowledge/${guide}/file`)
  })
})
