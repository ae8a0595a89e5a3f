/**
 * The agent runtime against real provider protocols: a real host talks over HTTP to fake
 * OpenAI and Anthropic servers, and the tests talk to the host as API clients do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponseMode, StreamEventOf, StreamEventType, ToolSpec } from '../../../shared/index.ts'
import { type FakeProvider, type Script, type ScriptedReply, startFakeAnthropic, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { readSse, readSseUntil, type SseMessage, startTestHost, type TestHost, textOf } from '../../testing/harness.ts'

/** A fake provider whose replies each test scripts afresh, so one host serves every test. */
type ScriptedFake = {
  fake: FakeProvider
  /** The replies to the next requests, in order; requests received before are forgotten. */
  script(...replies: ScriptedReply[]): void
  /** Request bodies received since the last `script` call. */
  bodies(): any[]
}

async function scriptedFake(start: (script: Script) => Promise<FakeProvider>): Promise<ScriptedFake> {
  let queue: ScriptedReply[] = []
  let firstRequest = 0
  const fake = await start(() => queue.shift() ?? { status: 500, errorMessage: 'the test scripted no reply for this request' })
  return {
    fake,
    script(...replies) {
      queue = replies
      firstRequest = fake.requests.length
    },
    bodies: () => fake.requests.slice(firstRequest).map((request) => request.body),
  }
}

const providers = [
  {
    name: 'openai',
    model: 'openai:gpt-test',
    start: startFakeOpenAI,
    systemPrompt: (body: any) => body.messages.find((m: any) => m.role === 'system')?.content,
    toolResults: (body: any) => body.messages.filter((m: any) => m.role === 'tool').map((m: any) => ({ id: m.tool_call_id, content: m.content })),
  },
  {
    name: 'anthropic',
    model: 'anthropic:claude-test',
    start: startFakeAnthropic,
    systemPrompt: (body: any) => body.system?.map((block: any) => block.text).join(''),
    toolResults: (body: any) =>
      body.messages
        .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
        .filter((block: any) => block.type === 'tool_result')
        .map((block: any) => ({ id: block.tool_use_id, content: block.content })),
  },
] as const

let host: TestHost
const fakes = new Map<string, ScriptedFake>()

beforeAll(async () => {
  // The fakes' model ids are unknown to the SDK, which warns about that on every call.
  globalThis.AI_SDK_LOG_WARNINGS = false
  for (const provider of providers) fakes.set(provider.name, await scriptedFake(provider.start))
  host = await startTestHost({
    OPENAI_BASE_URL: fakes.get('openai')!.fake.url,
    OPENAI_API_KEY: 'sk-test',
    ANTHROPIC_BASE_URL: fakes.get('anthropic')!.fake.url,
    ANTHROPIC_API_KEY: 'test',
  })
})

afterAll(async () => {
  await host?.stop()
  await Promise.all([...fakes.values()].map(({ fake }) => fake.close()))
})

const clock: ToolSpec[] = [{ type: 'builtin', name: 'current_time' }]
const thisYear = String(new Date().getUTCFullYear())
const typesOf = (events: SseMessage[]) => events.map((m) => m.data.event_type)
const only = <T extends StreamEventType>(events: SseMessage[], type: T) => events.map((m) => m.data).filter((e): e is StreamEventOf<T> => e.event_type === type)
const deltasOf = (events: SseMessage[]) => only(events, 'text_delta').map((e) => e.text)
const completeOf = (events: SseMessage[]) => only(events, 'complete')[0]

describe.each(providers)('$name through the host', ({ name, model, systemPrompt, toolResults }) => {
  const fake = () => fakes.get(name)!
  const agentIn = (mode: ApiResponseMode, config: { instructions?: string; tools?: ToolSpec[] } = {}) =>
    host.owner.publishedAgent({ name: `${name} ${mode} agent`, model, ...config }, { api_response_mode: mode })
  const chat = (agentId: string, body: { request: string; session_id?: string }) => host.post(`/api/v1/published/${agentId}/chat`, body)
  const chatSync = async (agentId: string, body: { request: string; session_id?: string }) => {
    const response = await host.post(`/api/v1/published/${agentId}/chat/sync`, body)
    expect(response.status).toBe(200)
    return response.json()
  }
  const historyOf = async (agentId: string, sessionId: string) => {
    const response = await host.get(`/api/v1/published/${agentId}/sessions/${sessionId}`)
    expect(response.status).toBe(200)
    return (await response.json()).messages as { role: string; content: unknown[]; status: string }[]
  }
  const latestTrace = async (agentId: string) => {
    const { status, body } = await host.owner.call('GET', `/traces?agent_id=${agentId}`)
    expect(status).toBe(200)
    return body.traces[0]
  }

  it('streams the chunks as numbered text_delta events, with the no-buffering headers', async () => {
    fake().script({ text: ['Hel', 'lo', ' world'], usage: { input: 42, output: 7 } })
    const agent = await agentIn('streaming')
    const response = await chat(agent.id, { request: 'Say hello' })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    const events = await readSse(response)
    expect(typesOf(events)).toEqual(['run_started', 'turn_start', 'text_delta', 'text_delta', 'text_delta', 'complete', 'trace_saved'])
    expect(events.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5', '6', '7'])
    expect(events.every((m) => m.event === m.data.event_type)).toBe(true)
    expect(deltasOf(events)).toEqual(['Hel', 'lo', ' world'])
    expect(completeOf(events)).toEqual({
      event_type: 'complete',
      turn: 1,
      success: true,
      answer: 'Hello world',
      total_turns: 1,
      total_input_tokens: 42,
      total_output_tokens: 7,
    })
  })

  it('runs a tool the model calls and sends its result back in the next request', async () => {
    fake().script({ toolCalls: [{ id: 'call_time', name: 'current_time', input: {} }] }, { text: ['It is ', 'now.'] })
    const agent = await agentIn('streaming', { tools: clock })
    const events = await readSse(await chat(agent.id, { request: 'What time is it?' }))

    expect(typesOf(events)).toEqual([
      'run_started',
      'turn_start',
      'tool_call',
      'tool_result',
      'turn_start',
      'text_delta',
      'text_delta',
      'complete',
      'trace_saved',
    ])
    expect(only(events, 'tool_call')[0]).toMatchObject({ turn: 1, tool_call_id: 'call_time', tool_name: 'current_time', tool_input: {} })
    const result = only(events, 'tool_result')[0]!
    expect(result).toMatchObject({ turn: 1, tool_call_id: 'call_time', tool_name: 'current_time', is_error: false })
    expect(result.tool_result).toContain(thisYear)
    expect(only(events, 'text_delta').map((e) => [e.turn, e.text])).toEqual([
      [2, 'It is '],
      [2, 'now.'],
    ])
    expect(completeOf(events)).toMatchObject({ success: true, answer: 'It is now.', total_turns: 2, total_input_tokens: 20, total_output_tokens: 10 })

    const bodies = fake().bodies()
    expect(bodies).toHaveLength(2)
    expect(toolResults(bodies[0])).toEqual([])
    expect(toolResults(bodies[1])).toEqual([{ id: 'call_time', content: result.tool_result }])
  })

  it('sends the agent instructions as the system prompt', async () => {
    fake().script({ text: ['Arr.'] })
    const agent = await agentIn('streaming', { instructions: 'You are a pirate. Answer in one word.' })
    await readSse(await chat(agent.id, { request: 'Hello?' }))
    expect(systemPrompt(fake().bodies()[0])).toBe('You are a pirate. Answer in one word.')
  })

  it('remembers a session: the next request carries turn 1, and the history holds every message', async () => {
    fake().script(
      { text: ['Let me look.'], toolCalls: [{ id: 'call_mem', name: 'current_time', input: {} }] },
      { text: ['The clock says so.'] },
      { text: ['You asked the time.'] },
    )
    const agent = await agentIn('streaming', { tools: clock })
    const first = await readSse(await chat(agent.id, { request: 'What time is it?', session_id: 'memory-1' }))
    expect(completeOf(first)).toMatchObject({ success: true, answer: 'The clock says so.' })
    const second = await readSse(await chat(agent.id, { request: 'What did I ask?', session_id: 'memory-1' }))
    expect(only(second, 'run_started')[0]?.session_id).toBe('memory-1')
    expect(completeOf(second)).toMatchObject({ success: true, answer: 'You asked the time.' })

    const sent = JSON.stringify(fake().bodies()[2].messages)
    const order = ['What time is it?', 'Let me look.', 'The clock says so.', 'What did I ask?'].map((text) => sent.indexOf(text))
    expect(order.every((at) => at >= 0)).toBe(true)
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(toolResults(fake().bodies()[2])).toEqual([{ id: 'call_mem', content: expect.stringContaining(thisYear) }])

    const messages = await historyOf(agent.id, 'memory-1')
    expect(messages.map(({ role, content, status }) => ({ role, content, status }))).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What time is it?' }], status: 'complete' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'call_mem', name: 'current_time', input: {} },
        ],
        status: 'complete',
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_mem', content: expect.stringContaining(thisYear) }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'text', text: 'The clock says so.' }], status: 'complete' },
      { role: 'user', content: [{ type: 'text', text: 'What did I ask?' }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'text', text: 'You asked the time.' }], status: 'complete' },
    ])
  })

  it('turns a provider 500 into an error event, a failed complete and an error trace', async () => {
    fake().script({ status: 500, errorMessage: 'upstream exploded' })
    const agent = await agentIn('streaming')
    const events = await readSse(await chat(agent.id, { request: 'Hello?' }))

    expect(typesOf(events).slice(-3)).toEqual(['error', 'complete', 'trace_saved'])
    expect(only(events, 'error')[0]).toMatchObject({ code: 'model_error', message: expect.stringContaining('500') })
    expect(completeOf(events)).toMatchObject({ success: false, answer: '', error: expect.any(String) })
    expect(deltasOf(events)).toEqual([])
    const trace = await latestTrace(agent.id)
    expect(trace).toMatchObject({ status: 'error', error: expect.stringContaining('upstream exploded') })

    fake().script({ text: ['Back again.'] })
    const next = await readSse(await chat(agent.id, { request: 'Again?' }))
    expect(completeOf(next)).toMatchObject({ success: true, answer: 'Back again.' })
  })

  it('answers the sync endpoint with success:false when the provider fails', async () => {
    fake().script({ status: 500, errorMessage: 'upstream exploded' })
    const agent = await agentIn('non_streaming')
    const reply = await chatSync(agent.id, { request: 'Hello?' })
    expect(reply).toMatchObject({ success: false, answer: '', steps: [], error: expect.stringMatching(/.+/) })
    expect(await latestTrace(agent.id)).toMatchObject({ status: 'error', trace_id: reply.trace_id })
  })

  it('reports a 429 as model_rate_limited and keeps serving', async () => {
    fake().script({ status: 429, errorMessage: 'slow down' }, { text: ['Fine now.'] })
    const agent = await agentIn('streaming')
    const events = await readSse(await chat(agent.id, { request: 'Hello?' }))
    expect(only(events, 'error')[0]?.code).toBe('model_rate_limited')
    expect(completeOf(events)?.success).toBe(false)

    const next = await readSse(await chat(agent.id, { request: 'Hello again?' }))
    expect(completeOf(next)).toMatchObject({ success: true, answer: 'Fine now.' })
  })

  it('keeps the partial text of a stream cut mid-way, marked error', async () => {
    fake().script({ text: ['Hel', 'lo', ' wor', 'ld'], cutAfterChunks: 2 })
    const agent = await agentIn('streaming')
    const events = await readSse(await chat(agent.id, { request: 'Tell me', session_id: 'cut-1' }))

    expect(deltasOf(events)).toEqual(['Hel', 'lo'])
    expect(typesOf(events).slice(-3)).toEqual(['error', 'complete', 'trace_saved'])
    const error = only(events, 'error')[0]
    expect(error?.code).toBe('model_error')
    // The provider answered 200 and then dropped the connection: blaming its status misleads.
    expect(error?.message).not.toContain('HTTP 200')
    expect(completeOf(events)).toMatchObject({ success: false, answer: 'Hello' })
    expect((await historyOf(agent.id, 'cut-1')).map(({ role, content, status }) => ({ role, content, status }))).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Tell me' }], status: 'error' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }], status: 'error' },
    ])
  })

  it('passes a slow stream on as it arrives, not buffered to the end', async () => {
    // The model holds the rest of its answer until the visitor has seen the first words: a host
    // that buffered would never show them, and the test would time out.
    let release!: () => void
    const until = new Promise<void>((resolve) => (release = resolve))
    fake().script({ text: ['one ', 'two ', 'three ', 'four ', 'five'], hold: { afterChunks: 1, until } })
    const agent = await agentIn('streaming')
    let shownBeforeRelease = ''
    const events = await readSseUntil(await chat(agent.id, { request: 'Count' }), (message) => {
      if (message.data.event_type === 'text_delta' && shownBeforeRelease === '') {
        shownBeforeRelease = message.data.text
        release()
      }
      return false
    })
    expect(shownBeforeRelease).toBe('one ')
    expect(textOf(events)).toBe('one two three four five')
  })

  it('answers the sync endpoint with the steps of a tool-using run', async () => {
    fake().script({ text: ['Checking the clock.'], toolCalls: [{ id: 'call_sync', name: 'current_time', input: {} }] }, { text: ['Done.'] })
    const agent = await agentIn('non_streaming', { tools: clock })
    const reply = await chatSync(agent.id, { request: 'What time is it?', session_id: 'sync-1' })

    expect(reply).toEqual({
      success: true,
      answer: 'Done.',
      total_turns: 2,
      steps: [
        { role: 'assistant', content: 'Checking the clock.', tool_name: null, tool_input: null },
        { role: 'assistant', content: '', tool_name: 'current_time', tool_input: {} },
        { role: 'tool', content: expect.stringContaining(thisYear), tool_name: 'current_time', tool_input: {} },
        { role: 'assistant', content: 'Done.', tool_name: null, tool_input: null },
      ],
      error: null,
      trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      session_id: 'sync-1',
    })
    expect(await latestTrace(agent.id)).toMatchObject({ trace_id: reply.trace_id, status: 'success', turns: 2 })
  })
})
