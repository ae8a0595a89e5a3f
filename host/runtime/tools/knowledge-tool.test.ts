/**
 * The agent answers from its knowledge, through the whole host: a version with knowledge gets
 * the `search_knowledge` tool and a line of instructions, the tool's result holds the matching
 * passages, numbered, and the run ends with a `sources` event (the sync reply: `sources`). A
 * version searches the knowledge frozen with it; try-it searches the draft. Knowledge is added
 * through the store, as the owner routes' importer does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpToolSpecSchema, type StreamEvent, type StreamEventOf } from '../../../shared/index.ts'
import { chunkDocument, parseSource } from '../../knowledge/index.ts'
import { chatKey, dataPayloads } from '../../routes/compat/test-helpers.ts'
import { type FakeProvider, type RecordedRequest, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { ADMIN_TOKEN, readSse, type SseMessage, startTestHost, type TestHost, textOf } from '../../testing/harness.ts'
import { formatHits, KNOWLEDGE_RESULT, SourceList } from './knowledge-tool.ts'

const PRICING = `# Pricing

## Plans

The Harbour plan costs 42 euros a month and includes unlimited moorings.

## Refunds

Refunds are paid within 14 days of a cancelled booking.
`

let host: TestHost
let model: FakeProvider
/** What the fake model searches for on its first call; set per test. */
let query: unknown = 'harbour plan price'

beforeAll(async () => {
  model = await startFakeOpenAI((request) => {
    const messages = request.body.messages
    if (messages.at(-1)?.role === 'tool') return { text: ['The Harbour plan costs 42 euros [1].'] }
    if (toolNames(request).includes('search_knowledge')) return { toolCalls: [{ id: 'call_k', name: 'search_knowledge', input: query }] }
    return { text: ['No knowledge here.'] }
  })
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
})
afterAll(async () => {
  await host.stop()
  await model.close()
})

const toolNames = (request: RecordedRequest): string[] => (request.body.tools ?? []).map((t: { function: { name: string } }) => t.function.name)
const systemText = (request: RecordedRequest): string => request.body.messages.find((m: { role: string }) => m.role === 'system')?.content ?? ''
const eventsOf = (messages: SseMessage[]): StreamEvent[] => messages.map((m) => m.data)
const resultOf = (events: StreamEvent[]) => events.find((e): e is StreamEventOf<'tool_result'> => e.event_type === 'tool_result')
const sourcesOf = (events: StreamEvent[]) => events.find((e): e is StreamEventOf<'sources'> => e.event_type === 'sources')

/** Adds a markdown document to the agent's draft knowledge, as the importer would. */
async function addDocument(agentId: string, markdown: string, url: string, title = 'Pricing') {
  const source = await host.store.addKnowledgeSource(agentId, { kind: 'url', title, origin: url })
  const chunks = chunkDocument(await parseSource({ bytes: new TextEncoder().encode(markdown), contentType: 'text/markdown', url, title }))
  await host.store.replaceKnowledgeChunks(agentId, source!.id, chunks)
  return source!
}

async function knowledgeAgent(options: { api_response_mode?: 'streaming' | 'non_streaming' } = {}) {
  const agent = await host.owner.createAgent({ name: 'Harbour help', model: 'openai:gpt-4o-mini', instructions: 'Be brief.' })
  await addDocument(agent.id, PRICING, 'https://harbour.example/pricing')
  await host.owner.publish(agent.id, options)
  return agent
}

const chat = async (agentId: string, request: string) =>
  eventsOf(await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request, session_id: `s-${crypto.randomUUID()}` })))

describe('search_knowledge', () => {
  it('gives a version with knowledge the tool; its result and the sources event carry the passage', async () => {
    query = { query: 'harbour plan price' }
    const agent = await knowledgeAgent()
    const before = model.requests.length
    const events = await chat(agent.id, 'How much is the Harbour plan?')

    const [first] = model.requests.slice(before)
    expect(toolNames(first!)).toContain('search_knowledge')
    expect(systemText(first!)).toMatch(/^Be brief\.\n\n.*search_knowledge.*\[1\]/s)

    expect(events.find((e) => e.event_type === 'tool_call')).toMatchObject({ tool_name: 'search_knowledge', tool_input: { query: 'harbour plan price' } })
    const result = resultOf(events)!
    expect(result.is_error).toBe(false)
    expect(result.tool_result).toMatch(/^\[1\] Pricing › Plans\nURL: https:\/\/harbour\.example\/pricing.*\n.*42 euros/)
    // The model got the same text as its tool result.
    const second = model.requests.at(-1)!
    expect(second.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_k', content: result.tool_result })

    const types = events.map((e) => e.event_type)
    expect(types.indexOf('sources')).toBe(types.indexOf('complete') - 1)
    const sources = sourcesOf(events)!.sources
    expect(sources[0]).toMatchObject({
      index: 1,
      title: 'Pricing',
      heading_path: ['Plans'],
      url: expect.stringMatching(/^https:\/\/harbour\.example\/pricing/),
    })
    expect(new Set(sources.map((s) => s.url)).size).toBe(sources.length)

    const [trace] = (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces
    expect(trace.tool_calls).toEqual([expect.objectContaining({ tool_name: 'search_knowledge', is_error: false, turn: 1 })])
  })

  it('puts the sources in the sync reply', async () => {
    query = { query: 'refunds' }
    const agent = await knowledgeAgent({ api_response_mode: 'non_streaming' })
    const response = await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'Refunds?' })
    expect(response.status).toBe(200)
    const reply = await response.json()
    expect(reply.success).toBe(true)
    expect(reply.steps.find((s: { role: string }) => s.role === 'tool').content).toContain('14 days')
    expect(reply.sources).toEqual([expect.objectContaining({ index: 1, title: 'Pricing', heading_path: ['Refunds'] })])
  })

  it('searches the knowledge frozen with the version; try-it searches the draft', async () => {
    query = { query: 'harbour plan price' }
    const agent = await knowledgeAgent()
    const [draftSource] = await host.store.listKnowledgeSources(agent.id, 'draft')
    await host.store.deleteKnowledgeSource(agent.id, draftSource!.id)
    await addDocument(agent.id, '# Prices\n\nThe Harbour plan now costs 99 euros.', 'https://harbour.example/new-prices', 'Prices')

    const published = resultOf(await chat(agent.id, 'How much is the Harbour plan?'))!.tool_result
    expect(published).toContain('42 euros')
    expect(published).not.toContain('99 euros')

    const tried = eventsOf(
      await readSse(
        await host.post(`/api/v1/agents/${agent.id}/try`, { request: 'How much is the Harbour plan?' }, { authorization: `Bearer ${ADMIN_TOKEN}` }),
      ),
    )
    expect(resultOf(tried)!.tool_result).toContain('99 euros')
    expect(resultOf(tried)!.tool_result).not.toContain('42 euros')
    expect(sourcesOf(tried)!.sources).toEqual([
      expect.objectContaining({ index: 1, title: 'Prices', url: expect.stringMatching(/^https:\/\/harbour\.example\/new-prices/) }),
    ])
  })

  it('rolls back with the version: activating version 1 again searches the knowledge version 1 was published with', async () => {
    query = { query: 'harbour plan price' }
    const agent = await knowledgeAgent()
    const [first] = await host.store.listKnowledgeSources(agent.id, 'draft')
    await host.store.deleteKnowledgeSource(agent.id, first!.id)
    await addDocument(agent.id, '# Prices\n\nThe Harbour plan now costs 99 euros.', 'https://harbour.example/new-prices', 'Prices')
    await host.owner.publish(agent.id)
    expect(resultOf(await chat(agent.id, 'How much?'))!.tool_result).toContain('99 euros')

    expect((await host.owner.call('POST', `/agents/${agent.id}/versions/1/activate`)).status).toBe(200)
    const rolledBack = resultOf(await chat(agent.id, 'How much?'))!.tool_result
    expect(rolledBack).toContain('42 euros')
    expect(rolledBack).not.toContain('99 euros')
  })

  it('leaves an agent without knowledge as it was: no tool, no instructions line, no sources', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-4o-mini', instructions: 'Be brief.' })
    const before = model.requests.length
    const events = await chat(agent.id, 'How much is the Harbour plan?')
    const [request] = model.requests.slice(before)
    expect(toolNames(request!)).not.toContain('search_knowledge')
    expect(systemText(request!)).toBe('Be brief.')
    expect(events.map((e) => e.event_type)).not.toContain('sources')
    expect(events.find((e) => e.event_type === 'complete')).toMatchObject({ success: true })

    const sync = await (await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'hi' })).json()
    expect(sync).not.toHaveProperty('sources')
  })

  it("leaves an owner's own search_knowledge tool its name: the built-in becomes porch_search_knowledge, and the instructions say so", async () => {
    const agent = await host.owner.createAgent({
      name: 'Own search',
      model: 'openai:gpt-4o-mini',
      instructions: 'Be brief.',
      tools: [HttpToolSpecSchema.parse({ type: 'http', name: 'search_knowledge', description: 'The owner’s CRM search', url: 'https://crm.example/search' })],
    })
    await addDocument(agent.id, PRICING, 'https://harbour.example/pricing')
    await host.owner.publish(agent.id)
    const before = model.requests.length
    await chat(agent.id, 'Hello')
    const [request] = model.requests.slice(before)
    expect(toolNames(request!).sort()).toEqual(['porch_search_knowledge', 'search_knowledge'])
    const described = (name: string) => request!.body.tools.find((t: { function: { name: string } }) => t.function.name === name).function.description
    expect(described('search_knowledge')).toBe('The owner’s CRM search')
    expect(described('porch_search_knowledge')).toMatch(/^Searches the owner’s documents/)
    expect(systemText(request!)).toMatch(/with the porch_search_knowledge tool\./)
  })

  it('never fails a run on a hostile query: operators, quotes, NUL, huge text and limits are searched or find nothing', async () => {
    const agent = await knowledgeAgent()
    for (const hostile of [
      { query: '"harbour" OR price* NEAR(a b) -- ; DROP TABLE knowledge_chunks; \\ \u0000 ^' },
      { query: '' },
      { query: 'x'.repeat(100_000) },
      { query: 'harbour', limit: -5 },
      { query: 'harbour', limit: 1e9 },
      { query: 'harbour', limit: 2.5 },
    ]) {
      query = hostile
      const events = await chat(agent.id, 'Anything?')
      const result = resultOf(events)!
      expect(result.is_error, JSON.stringify(hostile).slice(0, 80)).toBe(false)
      expect(result.tool_result.length).toBeLessThanOrEqual(KNOWLEDGE_RESULT.chars)
      expect(events.find((e) => e.event_type === 'complete')).toMatchObject({ success: true })
    }
  })

  it('is invisible to the OpenAI-compatible API, which answers with the text only', async () => {
    query = { query: 'harbour plan price' }
    const agent = await knowledgeAgent()
    const { credential } = await chatKey(host, agent.id)
    const response = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: JSON.stringify({ model: agent.id, messages: [{ role: 'user', content: 'Price?' }], stream: true }),
    })
    expect(response.status).toBe(200)
    const payloads = dataPayloads(await response.text())
    expect(payloads.at(-1)).toBe('[DONE]')
    expect(payloads.some((p) => typeof p === 'object' && p.error)).toBe(false)
    expect(
      payloads
        .slice(0, -1)
        .map((p) => p.choices[0]?.delta.content ?? '')
        .join(''),
    ).toBe('The Harbour plan costs 42 euros [1].')
  })
})

describe('the demo model', () => {
  it('searches the knowledge for a question and quotes the best passage with its number', async () => {
    const agent = await host.owner.createAgent({ name: 'Demo with knowledge', model: 'demo:instant' })
    await addDocument(agent.id, PRICING, 'https://harbour.example/pricing')
    await host.owner.publish(agent.id)
    const messages = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'How much is the Harbour plan?' }))
    const events = eventsOf(messages)
    expect(events.find((e) => e.event_type === 'tool_call')).toMatchObject({ tool_name: 'search_knowledge' })
    expect(textOf(messages)).toMatch(/\[1\]:\n\n> The Harbour plan costs 42 euros/)
    expect(sourcesOf(events)!.sources[0]).toMatchObject({ index: 1, title: 'Pricing' })
  })
})

describe('formatHits', () => {
  const hit = (n: number, url: string | null, text = `passage ${n}`) => ({
    sourceId: `src-${n}`,
    title: `Doc ${n}`,
    headingPath: [],
    url,
    text,
    score: 1,
    rank: n,
  })

  it('numbers hits by source: the same URL keeps its number across searches, sources without URLs by id', () => {
    const sources = new SourceList()
    formatHits([hit(1, 'https://a.example/x'), hit(2, null)], sources)
    const second = formatHits([hit(3, 'https://b.example/'), { ...hit(4, 'https://a.example/x'), sourceId: 'src-1' }], sources)
    expect(second).toMatch(/^\[3\] Doc 3\nURL: https:\/\/b\.example\/\npassage 3\n\n\[1\] Doc 4/)
    expect(sources.sources.map((s) => [s.index, s.url, s.source_id])).toEqual([
      [1, 'https://a.example/x', 'src-1'],
      [2, null, 'src-2'],
      [3, 'https://b.example/', 'src-3'],
    ])
  })

  it('stays within the budget, cutting the last passage it takes, and says so when nothing matched', () => {
    const long = Array.from({ length: 6 }, (_, i) => hit(i + 1, `https://a.example/${i}`, 'word '.repeat(500)))
    const text = formatHits(long, new SourceList())
    expect(text.length).toBeLessThanOrEqual(KNOWLEDGE_RESULT.chars)
    expect(text).toContain('…')
    expect(formatHits([], new SourceList())).toMatch(/^No passage/)
  })
})
