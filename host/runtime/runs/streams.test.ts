/**
 * Streams done right: a dropped client cancels the model call and keeps what was produced;
 * a client that re-POSTs with its request_id and Last-Event-ID re-attaches to the same run
 * and gets every later event exactly once; heartbeats keep idle streams open.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { eventually, readSse, readSseUntil, startTestHost, type TestHost, textOf } from '../../testing/harness.ts'

const WORDS = Array.from({ length: 40 }, (_, i) => `word${i} `)

let fake: FakeProvider
let host: TestHost
beforeAll(async () => {
  fake = await startFakeOpenAI([{ text: WORDS, delayMs: 40 }])
  host = await startTestHost({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test', PORCH_HEARTBEAT_SECONDS: '0.05', PORCH_RESUME_GRACE_MS: '1500' })
})
afterAll(async () => {
  await host.stop()
  await fake.close()
})
afterEach(() => {
  fake.requests.length = 0
})

const chat = (agentId: string, body: object, headers: Record<string, string> = {}) => host.post(`/api/v1/published/${agentId}/chat`, body, headers)
const history = async (agentId: string, sessionId: string) => (await (await host.get(`/api/v1/published/${agentId}/sessions/${sessionId}`)).json()).messages

describe('a client that disconnects', () => {
  it('aborts the model call at once and stores the partial answer as cancelled', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const abortedBefore = fake.aborted
    const seen = await readSseUntil(
      await chat(agent.id, { request: 'tell me a long story', session_id: 'dropped' }),
      (_, all) => textOf(all).split(' ').length > 4,
    )
    const partial = textOf(seen)

    await eventually(() => (fake.aborted > abortedBefore ? true : undefined))
    const messages = await eventually(async () => {
      const stored = await history(agent.id, 'dropped')
      return stored.length === 2 ? stored : undefined
    })
    expect(messages.map((m: { status: string }) => m.status)).toEqual(['cancelled', 'cancelled'])
    const storedText: string = messages[1].content[0].text
    expect(storedText.startsWith(partial)).toBe(true)
    expect(storedText.length).toBeLessThan(WORDS.join('').length)

    const traces = (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces
    expect(traces[0]).toMatchObject({ status: 'cancelled', session_id: 'dropped' })
  })
})

describe('resuming a dropped stream', () => {
  it('replays the events after Last-Event-ID exactly once, without a second run', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const body = { request: 'resume me', session_id: 'resumable', request_id: 'req-1' }
    const first = await readSseUntil(await chat(agent.id, body), (message) => message.id === '6')
    expect(first.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5', '6'])

    const resumed = await chat(agent.id, body, { 'Last-Event-ID': '6' })
    expect(resumed.status).toBe(200)
    const rest = await readSse(resumed)
    expect(rest[0]!.id).toBe('7')
    const ids = [...first, ...rest].map((m) => Number(m.id))
    expect(ids).toEqual(ids.map((_, i) => i + 1)) // 1..n, no gap, no repeat
    expect(textOf([...first, ...rest])).toBe(WORDS.join(''))
    expect(rest.at(-2)!.data).toMatchObject({ event_type: 'complete', success: true })

    expect(fake.requests).toHaveLength(1)
    const messages = await history(agent.id, 'resumable')
    expect(messages.map((m: { role: string; status: string }) => `${m.role}:${m.status}`)).toEqual(['user:complete', 'assistant:complete'])
  })

  it('replays a run that already finished, from the id the client saw', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const body = { request: 'finish without me', session_id: 'late', request_id: 'req-late' }
    const full = await readSse(await chat(agent.id, body))
    const replay = await readSse(await chat(agent.id, body, { 'Last-Event-ID': '3' }))
    expect(replay.map((m) => m.id)).toEqual(full.slice(3).map((m) => m.id))
    expect(fake.requests).toHaveLength(1)
    expect(await history(agent.id, 'late')).toHaveLength(2)
  })

  it('refuses a request_id reused for a different message', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    await readSse(await chat(agent.id, { request: 'one', session_id: 's', request_id: 'req-conflict' }))
    const reused = await chat(agent.id, { request: 'two', session_id: 's', request_id: 'req-conflict' })
    expect(reused.status).toBe(409)
    expect((await reused.json()).error.code).toBe('request_id_conflict')
  })

  it('tells a client resuming an unknown run that it is gone, instead of running it again', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const response = await chat(agent.id, { request: 'old', request_id: 'never-seen' }, { 'Last-Event-ID': '4' })
    expect(response.status).toBe(410)
    expect(fake.requests).toHaveLength(0)
  })

  it('cancels the run when the client does not come back within the grace period', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const abortedBefore = fake.aborted
    await readSseUntil(await chat(agent.id, { request: 'abandon', session_id: 'abandoned', request_id: 'req-gone' }), (m) => m.id === '4')
    await eventually(() => (fake.aborted > abortedBefore ? true : undefined))
    const messages = await eventually(async () => {
      const stored = await history(agent.id, 'abandoned')
      return stored.length === 2 ? stored : undefined
    })
    expect(messages[1].status).toBe('cancelled')
  })
})

describe('stopping a run', () => {
  it('cancels at once on the visitor’s Stop, without waiting for a resume', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const abortedBefore = fake.aborted
    const response = await chat(agent.id, { request: 'stop me', session_id: 'stopped', request_id: 'req-stop' })
    const events = readSse(response)
    await eventually(() => (fake.requests.length === 1 ? true : undefined))
    const stop = await host.post(`/api/v1/published/${agent.id}/chat/stop`, { request_id: 'req-stop' })
    expect(stop.status).toBe(204)

    // The stream still closes properly, saying the run was cancelled, well before the grace period.
    const tail = (await events).map((m) => m.data)
    expect(tail.at(-3)).toMatchObject({ event_type: 'error', code: 'cancelled' })
    expect(tail.at(-2)).toMatchObject({ event_type: 'complete', success: false })
    await eventually(() => (fake.aborted > abortedBefore ? true : undefined))
    const messages = await history(agent.id, 'stopped')
    expect(messages.map((m: { status: string }) => m.status)).toEqual(['cancelled', 'cancelled'])
  })

  it('404s a Stop for a request that is not running', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    expect((await host.post(`/api/v1/published/${agent.id}/chat/stop`, { request_id: 'nothing-here' })).status).toBe(404)
    expect((await host.post(`/api/v1/published/${agent.id}/chat/stop`, { request_id: 'bad id!' })).status).toBe(400)
  })
})

describe('heartbeats', () => {
  it('sends a ping comment while the model is quiet', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const raw = await (await chat(agent.id, { request: 'slow' })).text()
    expect(raw).toContain(': ping\n\n')
    // Every event still carries its id.
    const events = raw.split('\n\n').filter((block) => block.includes('data: '))
    expect(events.every((block) => /^id: \d+$/m.test(block))).toBe(true)
  })
})
