/**
 * Hybrid search reaches the agent: on a host with an embedding model, a published agent's
 * `search_knowledge` finds the passage that answers in other words (a synonym the fake vectors
 * know, full text does not), and cites it in the `sources` event.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { StreamEvent, StreamEventOf } from '../../shared/index.ts'
import { type FakeEmbeddings, type FakeProvider, startFakeEmbeddings, startFakeOpenAI } from '../testing/fake-providers.ts'
import { eventually, readSse, startTestHost, type TestHost } from '../testing/harness.ts'

const MODEL = 'fake-embed-chat'
let host: TestHost
let model: FakeProvider
let embeddings: FakeEmbeddings

beforeAll(async () => {
  embeddings = await startFakeEmbeddings()
  model = await startFakeOpenAI((request) => {
    if (request.body.messages.at(-1)?.role === 'tool') return { text: ['Within 14 days [1].'] }
    return { toolCalls: [{ id: 'call_k', name: 'search_knowledge', input: { query: 'reimbursement' } }] }
  })
  host = await startTestHost({
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'sk-test',
    PORCH_EMBEDDING_URL: embeddings.url,
    PORCH_EMBEDDING_MODEL: MODEL,
  })
})
afterAll(async () => {
  await host.stop()
  await model.close()
  await embeddings.close()
})

it('a published agent’s search_knowledge finds by vector what full text misses, and cites it', async () => {
  const agent = await host.owner.createAgent({ name: 'Bookings', model: 'openai:gpt-4o-mini' })
  for (const [title, text] of [
    ['Refunds', 'Refunds are paid within 14 days of a cancelled booking.'],
    ['Moorings', 'Moorings are free for members.'],
  ]) {
    expect((await host.owner.call('POST', `/agents/${agent.id}/knowledge/sources`, { kind: 'text', title, text })).status).toBe(201)
  }
  await eventually(async () => ((await host.store.countChunksToEmbed(MODEL)) === 0 ? true : undefined))
  await host.owner.publish(agent.id)
  // Full text alone finds nothing for the word the model searches.
  expect(await host.store.searchKnowledge({ agentId: agent.id, version: 1, query: 'reimbursement', limit: 5 })).toEqual([])

  const events: StreamEvent[] = (
    await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'When do I get my money back?', session_id: 'hybrid' }))
  ).map((message) => message.data)
  const result = events.find((e): e is StreamEventOf<'tool_result'> => e.event_type === 'tool_result')!
  expect(result.is_error).toBe(false)
  expect(result.tool_result).toMatch(/^\[1\] Refunds\n[\s\S]*paid within 14 days/)
  expect(result.tool_result).not.toContain('Moorings')
  const sources = events.find((e): e is StreamEventOf<'sources'> => e.event_type === 'sources')!.sources
  expect(sources.map((source) => source.title)).toEqual(['Refunds'])
})
