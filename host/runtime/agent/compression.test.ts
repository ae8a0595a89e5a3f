/**
 * Context compression through the whole host, against a fake OpenAI server: with a small
 * context window, older turns are summarised by the same model, the visitor gets a
 * `context_compressed` event, the model then sees the summary and the recent turns only, and
 * the stored history (the owner's and the visitor's view) keeps every message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, type RecordedRequest, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
let model: FakeProvider

const isSummaryRequest = (request: RecordedRequest) => String(request.body.messages[0]?.content ?? '').startsWith('You summarise conversations')
const FILLER = 'All right, noted. '.repeat(20) // ~90 tokens per answer

beforeAll(async () => {
  model = await startFakeOpenAI((request) => {
    if (isSummaryRequest(request)) return { text: ['SUMMARY: the visitor is Ada, she wants a red bicycle.'], usage: { input: 300, output: 12 } }
    return { text: [`Answer ${request.body.messages.length}. `, FILLER] }
  })
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
})
afterAll(async () => {
  await host.stop()
  await model.close()
})

const ask = async (agentId: string, session: string, request: string) =>
  (await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request, session_id: session }))).map((m) => m.data)

describe('context compression', () => {
  it('summarises older turns near the window; the model then reads the summary and the recent turns', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', instructions: 'Be helpful.', context_window: 1000, compress_at: 0.5 })
    const session = 'long-talk'
    const first = await ask(agent.id, session, 'My name is Ada and I want a red bicycle.')
    expect(first.some((e) => e.event_type === 'context_compressed')).toBe(false)

    let compressedAt = -1
    let events: Awaited<ReturnType<typeof ask>> = []
    for (let turn = 2; turn <= 12 && compressedAt === -1; turn++) {
      const before = model.requests.length
      events = await ask(agent.id, session, `Question number ${turn}: ${'tell me more about bicycles. '.repeat(4)}`)
      if (events.some((e) => e.event_type === 'context_compressed')) compressedAt = before
    }
    expect(compressedAt).toBeGreaterThan(-1)

    const event = events.find((e) => e.event_type === 'context_compressed')
    expect(event).toMatchObject({ turn: 0, context_limit: 1000 })
    expect((event as { previous_tokens: number }).previous_tokens).toBeGreaterThanOrEqual(500)
    // The event comes after run_started and before the first model turn.
    expect(events.map((e) => e.event_type).slice(0, 3)).toEqual(['run_started', 'context_compressed', 'turn_start'])
    expect(events.at(-2)).toMatchObject({ event_type: 'complete', success: true })

    // The summary was asked of the same model, with the oldest turn in it.
    const [summaryRequest, mainRequest] = model.requests.slice(compressedAt)
    expect(isSummaryRequest(summaryRequest!)).toBe(true)
    expect(summaryRequest!.body.model).toBe('gpt-test')
    expect(JSON.stringify(summaryRequest!.body.messages)).toContain('My name is Ada')

    // The run's own call: instructions + summary in the system prompt; the first turn no longer sent.
    const system = mainRequest!.body.messages[0]
    expect(system.role).toBe('system')
    expect(system.content).toContain('Be helpful.')
    expect(system.content).toContain('SUMMARY: the visitor is Ada')
    const sent = JSON.stringify(mainRequest!.body.messages.slice(1))
    expect(sent).not.toContain('My name is Ada')
    expect(sent).toContain('tell me more about bicycles')
    expect(mainRequest!.body.messages.at(-1).content).toContain('Question number')

    // The next run builds on the stored summary without summarising again.
    const before = model.requests.length
    const next = await ask(agent.id, session, 'And the price?')
    expect(next.some((e) => e.event_type === 'context_compressed')).toBe(false)
    const nextRequest = model.requests.slice(before)
    expect(nextRequest).toHaveLength(1)
    expect(nextRequest[0]!.body.messages[0].content).toContain('SUMMARY: the visitor is Ada')
    expect(JSON.stringify(nextRequest[0]!.body.messages)).not.toContain('My name is Ada')

    // Nothing was deleted: the visitor's transcript and the owner's view keep every message.
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/${session}`)).json()
    expect(JSON.stringify(history.messages[0])).toContain('My name is Ada')
    const owner = await host.owner.call('GET', `/agents/${agent.id}/sessions/${session}?scope=public`)
    expect(owner.body.messages).toHaveLength(history.messages.length)
    expect(owner.body.context_summaries).toEqual([
      expect.objectContaining({
        summary: 'SUMMARY: the visitor is Ada, she wants a red bicycle.',
        tokens_before: (event as { previous_tokens: number }).previous_tokens,
      }),
    ])
    expect(owner.body.context_summaries[0].through_seq).toBeGreaterThanOrEqual(2)
  })

  it('counts the summary call in the run’s tokens', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', context_window: 1000, compress_at: 0.2 })
    // Only whole turns before the kept ones are summarised, so it takes two turns of history.
    await ask(agent.id, 'tokens', `First: ${'words '.repeat(200)}`)
    await ask(agent.id, 'tokens', 'Second question')
    const events = await ask(agent.id, 'tokens', 'Third question')
    expect(events.some((e) => e.event_type === 'context_compressed')).toBe(true)
    const complete = events.find((e) => e.event_type === 'complete') as { total_input_tokens: number }
    // 300 from the summary call plus 10 from the answer (the fake's default usage).
    expect(complete.total_input_tokens).toBe(310)
  })

  it('leaves a short conversation alone', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const before = model.requests.length
    for (let turn = 1; turn <= 3; turn++) {
      const events = await ask(agent.id, 'short', `Hello ${turn}`)
      expect(events.some((e) => e.event_type === 'context_compressed')).toBe(false)
    }
    expect(model.requests.slice(before).some(isSummaryRequest)).toBe(false)
  })

  it('goes on with the full history when the summary call fails', async () => {
    const failing = await startFakeOpenAI((request) => (isSummaryRequest(request) ? { status: 500, errorMessage: 'summary broke' } : { text: ['fine'] }))
    const other = await startTestHost({ OPENAI_BASE_URL: failing.url, OPENAI_API_KEY: 'sk-test' })
    try {
      const agent = await other.owner.publishedAgent({ model: 'openai:gpt-test', context_window: 1000, compress_at: 0.2 })
      await readSse(await other.post(`/api/v1/published/${agent.id}/chat`, { request: `First: ${'words '.repeat(200)}`, session_id: 's' }))
      await readSse(await other.post(`/api/v1/published/${agent.id}/chat`, { request: 'Second', session_id: 's' }))
      const events = (await readSse(await other.post(`/api/v1/published/${agent.id}/chat`, { request: 'Third', session_id: 's' }))).map((m) => m.data)
      expect(failing.requests.some(isSummaryRequest)).toBe(true)
      expect(events.some((e) => e.event_type === 'context_compressed')).toBe(false)
      expect(events.find((e) => e.event_type === 'complete')).toMatchObject({ success: true, answer: 'fine' })
      expect(JSON.stringify(failing.requests.at(-1)!.body.messages)).toContain('First: words')
    } finally {
      await other.stop()
      await failing.close()
    }
  })
})
