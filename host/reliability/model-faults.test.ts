/**
 * A model provider that misbehaves (500, 429, no answer at all, a stall or a cut in the middle,
 * malformed chunks), for both provider protocols, through every way a visitor or a server
 * chats: the SSE API, the sync API and the OpenAI-compatible route, streaming and not. Each
 * time the caller gets a clear failure (an `error` event then `complete` with success:false,
 * the sync reply with success:false, the OpenAI error shape), the trace records it, the session
 * stays whole and goes on, and the host keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../shared/index.ts'
import { type FakeProvider, type ScriptedReply, startFakeAnthropic, startFakeOpenAI } from '../testing/fake-providers.ts'
import { parseSse, readSse, startTestHost, type TestHost } from '../testing/harness.ts'

/** The host gives a silent model this long (PORCH_MODEL_TIMEOUT_SECONDS). */
const MODEL_TIMEOUT_SECONDS = 1
const TEXT = ['Part one, ', 'part two, ', 'part three, ', 'part four.']

type Fault = { name: string; reply: ScriptedReply; code: string; traceError: RegExp }
const faults: Fault[] = [
  { name: 'HTTP 500', reply: { status: 500, errorMessage: 'upstream exploded' }, code: 'model_error', traceError: /upstream exploded/ },
  { name: 'HTTP 429', reply: { status: 429, errorMessage: 'slow down' }, code: 'model_rate_limited', traceError: /slow down/ },
  { name: 'no answer at all (timeout)', reply: { hang: true }, code: 'model_timeout', traceError: /no progress for 1000 ms/ },
  { name: 'a stall in the middle (timeout)', reply: { text: TEXT, stallAfterChunks: 2 }, code: 'model_timeout', traceError: /no progress for 1000 ms/ },
  { name: 'a connection cut in the middle', reply: { text: TEXT, cutAfterChunks: 2 }, code: 'model_error', traceError: /./ },
  { name: 'a malformed chunk', reply: { text: TEXT, malformedChunk: true }, code: 'model_error', traceError: /./ },
  { name: 'a body in no known shape', reply: { rawStream: 'data: {"nonsense": true}\n\ndata: [DONE]\n\n' }, code: 'model_error', traceError: /./ },
]

const providers = [
  { name: 'openai', model: 'openai:gpt-test', start: startFakeOpenAI },
  { name: 'anthropic', model: 'anthropic:claude-test', start: startFakeAnthropic },
] as const

let host: TestHost
const fakes = new Map<string, { fake: FakeProvider; queue: ScriptedReply[] }>()

beforeAll(async () => {
  globalThis.AI_SDK_LOG_WARNINGS = false
  for (const { name, start } of providers) {
    const entry = { fake: undefined as unknown as FakeProvider, queue: [] as ScriptedReply[] }
    entry.fake = await start(() => entry.queue.shift() ?? { status: 500, errorMessage: 'the test scripted no reply for this request' })
    fakes.set(name, entry)
  }
  host = await startTestHost({
    OPENAI_BASE_URL: fakes.get('openai')!.fake.url,
    OPENAI_API_KEY: 'sk-test',
    ANTHROPIC_BASE_URL: fakes.get('anthropic')!.fake.url,
    ANTHROPIC_API_KEY: 'test',
    PORCH_MODEL_TIMEOUT_SECONDS: String(MODEL_TIMEOUT_SECONDS),
  })
})

afterAll(async () => {
  await host?.stop()
  await Promise.all([...fakes.values()].map(({ fake }) => fake.close()))
})

const latestTrace = async (agentId: string) => {
  const { status, body } = await host.owner.call('GET', `/traces?agent_id=${agentId}`)
  expect(status).toBe(200)
  return body.traces[0] as { trace_id: string; status: string; error: string | null }
}

const historyOf = async (agentId: string, sessionId: string) => {
  const response = await host.get(`/api/v1/published/${agentId}/sessions/${sessionId}`)
  expect(response.status).toBe(200)
  return (await response.json()).messages as { role: string; status: string }[]
}

/** After a failed turn: the session holds it marked error, and the next message is answered in it. */
async function expectSessionGoesOn(agentId: string, sessionId: string, next: () => Promise<void>) {
  const failed = await historyOf(agentId, sessionId)
  expect(failed[0]).toMatchObject({ role: 'user', status: 'error' })
  expect(failed.every((message) => message.status === 'error')).toBe(true)
  expect(failed.map((message) => message.role)).toEqual(['user', 'assistant'].slice(0, failed.length))
  await next()
  const after = await historyOf(agentId, sessionId)
  expect(after.slice(0, failed.length)).toEqual(failed)
  expect(after.slice(failed.length).map(({ role, status }) => [role, status])).toEqual([
    ['user', 'complete'],
    ['assistant', 'complete'],
  ])
}

describe.each(providers)('a misbehaving $name provider', ({ name, model }) => {
  const script = (...replies: ScriptedReply[]) => {
    fakes.get(name)!.queue = replies
  }
  let streaming: Agent
  let sync: Agent
  let key: string

  beforeAll(async () => {
    streaming = await host.owner.publishedAgent({ name: `${name} streaming`, model })
    sync = await host.owner.publishedAgent({ name: `${name} sync`, model }, { api_response_mode: 'non_streaming' })
    key = (await host.owner.call('POST', `/agents/${streaming.id}/keys`, { name: 'faults' })).body.key
  })

  describe.each(faults)('$name', (fault) => {
    it('ends the SSE stream with error and complete success:false, traces it, and the session goes on', async () => {
      script(fault.reply, { text: ['Recovered.'] })
      const sessionId = `sse-${name}-${faults.indexOf(fault)}`
      const chat = (request: string) => host.post(`/api/v1/published/${streaming.id}/chat`, { request, session_id: sessionId })
      const response = await chat('Hello?')
      expect(response.status).toBe(200)
      const events = (await readSse(response)).map((message) => message.data)

      expect(events.map((event) => event.event_type).slice(-3)).toEqual(['error', 'complete', 'trace_saved'])
      expect(events.at(-3)).toMatchObject({ event_type: 'error', code: fault.code, message: expect.any(String) })
      const seen = events.map((event) => (event.event_type === 'text_delta' ? event.text : '')).join('')
      expect(events.at(-2)).toMatchObject({ event_type: 'complete', success: false, answer: seen, error: expect.any(String) })
      const trace = await latestTrace(streaming.id)
      expect(trace).toMatchObject({ status: 'error', error: expect.stringMatching(fault.traceError) })
      expect(events[0]).toMatchObject({ event_type: 'run_started', trace_id: trace.trace_id })

      await expectSessionGoesOn(streaming.id, sessionId, async () => {
        const next = (await readSse(await chat('Again?'))).map((message) => message.data)
        expect(next.find((event) => event.event_type === 'complete')).toMatchObject({ success: true, answer: 'Recovered.' })
      })
    })

    it('answers the sync API with success:false and the error, traces it, and the session goes on', async () => {
      script(fault.reply, { text: ['Recovered.'] })
      const sessionId = `sync-${name}-${faults.indexOf(fault)}`
      const chat = async (request: string) => {
        const response = await host.post(`/api/v1/published/${sync.id}/chat/sync`, { request, session_id: sessionId })
        expect(response.status).toBe(200)
        return response.json()
      }
      const reply = await chat('Hello?')
      expect(reply).toMatchObject({ success: false, answer: '', error: expect.stringMatching(/.+/), session_id: sessionId })
      expect(await latestTrace(sync.id)).toMatchObject({ trace_id: reply.trace_id, status: 'error', error: expect.stringMatching(fault.traceError) })

      await expectSessionGoesOn(sync.id, sessionId, async () => {
        expect(await chat('Again?')).toMatchObject({ success: true, answer: 'Recovered.' })
      })
    })

    it('gives OpenAI clients an error chunk without [DONE] when streaming, and a 502 error body when not', async () => {
      const completions = (stream: boolean) =>
        host.post('/v1/chat/completions', { model: streaming.id, stream, messages: [{ role: 'user', content: 'Hello?' }] }, { authorization: `Bearer ${key}` })

      script(fault.reply)
      const streamed = await completions(true)
      expect(streamed.status).toBe(200)
      const raw = await streamed.text()
      expect(raw).not.toContain('[DONE]')
      const chunks = parseSse(raw).map((message) => message.data as unknown as Record<string, unknown>)
      expect(chunks.at(-1)).toMatchObject({ error: { type: 'server_error', message: expect.any(String), code: fault.code } })
      expect(await latestTrace(streaming.id)).toMatchObject({ status: 'error', error: expect.stringMatching(fault.traceError) })

      script(fault.reply)
      const whole = await completions(false)
      expect(whole.status).toBe(502)
      expect(await whole.json()).toMatchObject({ error: { type: 'server_error', message: expect.any(String), code: fault.code } })
      expect(await latestTrace(streaming.id)).toMatchObject({ status: 'error', error: expect.stringMatching(fault.traceError) })

      script({ text: ['Recovered.'] })
      const next = await completions(false)
      expect(next.status).toBe(200)
      expect((await next.json()).choices[0].message.content).toBe('Recovered.')
    })
  })
})

describe('a slow model that keeps talking', () => {
  it('is not cut off, though its answer takes longer in all than the silence timeout', async () => {
    const agent = await host.owner.publishedAgent({ name: 'slow but steady', model: 'openai:gpt-test' })
    const pieces = Array.from({ length: 8 }, (_, i) => `piece ${i} `)
    // 8 × 300 ms = 2.4 s in all, never silent for the 1 s timeout.
    fakes.get('openai')!.queue = [{ text: pieces, delayMs: 300 }]
    const response = await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'take your time' })
    const events = await readSse(response)
    expect(events.filter((event) => event.event === 'error')).toEqual([])
    expect(events.find((event) => event.event === 'complete')?.data).toMatchObject({ event_type: 'complete', success: true, answer: pieces.join('') })
  })
})

describe('after every fault', () => {
  it('still serves, and gave up on every provider call it was not answered', async () => {
    expect((await host.get('/health')).status).toBe(200)
    // A hung or stalled provider call is closed by the host, not left open for ever.
    for (const { fake } of fakes.values()) expect(fake.aborted).toBe(2 * 4)
  })
})
