/**
 * Human takeover over real HTTP, one host: an owner takes a session over, writes to the visitor,
 * the visitor's messages reach the owner and start no model run (the fake provider receives no
 * request), the owner hands back and the model answers again with the person's message in its
 * prompt. Roles, bad input, scoping of the event stream, Last-Event-ID replay and the stream
 * limit. `PORCH_TEST_STORE=postgres` runs it on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent, SessionEvent } from '../../../shared/index.ts'
import { openEventStream } from '../../testing/event-stream.ts'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { ADMIN_TOKEN, readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
let model: FakeProvider
let agent: Agent
let release: () => void = () => {}
const held = new Promise((resolve) => {
  release = () => resolve(undefined)
})
beforeAll(async () => {
  model = await startFakeOpenAI((request) => {
    const last = JSON.stringify(request.body.messages.at(-1))
    // "slow" keeps its run in flight until the test lets it go: a takeover must stop it.
    if (last.includes('slow')) return { text: ['Let me', ' think'], hold: { afterChunks: 1, until: held } }
    return { text: ['Model answer.'] }
  })
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test', PORCH_HEARTBEAT_SECONDS: '1' })
  agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
})
afterAll(async () => {
  release()
  await host.stop()
  await model.close()
})

const base = () => `/api/v1/published/${agent.id}`
const owner = (path: string) => `/agents/${agent.id}/sessions/${path}`
const is =
  <T extends SessionEvent['event_type']>(type: T) =>
  (event: SessionEvent) =>
    event.event_type === type

async function chat(sessionId: string, request: string) {
  const response = await host.post(`${base()}/chat`, { request, session_id: sessionId })
  expect(response.status).toBe(200)
  return readSse(response)
}

describe('human takeover', () => {
  it('holds the session for a person end to end: events both ways, no model run, and the model sees the person afterwards', async () => {
    const sessionId = 'takeover-flow'
    await chat(sessionId, 'hello')
    expect(model.requests).toHaveLength(1)
    const history = await (await host.get(`${base()}/sessions/${sessionId}`)).json()
    expect(history).toMatchObject({ last_event_id: 0 })
    expect(history.takeover).toBeUndefined()

    const visitor = await openEventStream(`${host.url}${base()}/sessions/${sessionId}/events`, { 'last-event-id': String(history.last_event_id) })
    const console = await openEventStream(`${host.url}/api/v1${owner(sessionId)}/events`, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect([visitor.status, console.status]).toEqual([200, 200])

    const taken = await host.owner.call('POST', owner(`${sessionId}/takeover`), { name: 'Anna' })
    expect(taken).toMatchObject({ status: 200, body: { takeover: { by: 'admin', name: 'Anna' } } })
    expect(await visitor.next(is('person_joined'))).toMatchObject({ id: 1, name: 'Anna' })

    const said = await host.owner.call('POST', owner(`${sessionId}/takeover/messages`), { text: 'Hi, Anna here. How can I help?' })
    expect(said).toMatchObject({ status: 201, body: { seq: 3, event_id: 2 } })
    expect(await visitor.next(is('person_message'))).toMatchObject({ id: 2, name: 'Anna', seq: 3, text: 'Hi, Anna here. How can I help?' })

    // The visitor's message is stored and told to the owner; no model runs, and the reply says why.
    const reply = await chat(sessionId, 'My order never came')
    expect(reply.map((m) => m.data.event_type)).toEqual(['run_started', 'taken_over', 'complete'])
    expect(reply[1]!.data).toMatchObject({ name: 'Anna' })
    expect(reply[2]!.data).toMatchObject({ success: true, answer: '' })
    expect(await console.next(is('visitor_message'))).toMatchObject({ id: 3, seq: 4, text: 'My order never came' })
    expect(model.requests).toHaveLength(1)

    const visible = await (await host.get(`${base()}/sessions/${sessionId}`)).json()
    expect(visible.takeover).toMatchObject({ name: 'Anna' })
    expect(visible.last_event_id).toBe(3)
    expect(visible.messages.map((m: { role: string; author?: unknown }) => [m.role, m.author ?? null])).toEqual([
      ['user', null],
      ['assistant', null],
      ['assistant', { kind: 'human', name: 'Anna' }],
      ['user', null],
    ])
    const transcript = (await host.owner.call('GET', owner(sessionId))).body
    expect(transcript).toMatchObject({ takeover: { by: 'admin', name: 'Anna' }, last_event_id: 3 })
    expect(transcript.messages[2]).toMatchObject({ author: { kind: 'human', name: 'Anna' } })
    expect((await host.owner.call('GET', `/agents/${agent.id}/takeovers`)).body.takeovers).toEqual([
      expect.objectContaining({ session_id: sessionId, scope: 'public', link_id: null, name: 'Anna' }),
    ])
    const csv = await (
      await fetch(`${host.url}/api/v1/agents/${agent.id}/export/sessions?format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text()
    expect(csv).toMatch(/Hi, Anna here\. How can I help\?.*,Anna,/)

    expect((await host.owner.call('POST', owner(`${sessionId}/handback`), {})).status).toBe(204)
    expect(await visitor.next(is('person_left'))).toMatchObject({ id: 4, name: 'Anna' })
    expect((await host.owner.call('GET', `/agents/${agent.id}/takeovers`)).body.takeovers).toEqual([])

    // Back with the agent: it answers, and its prompt holds the person's message as the assistant's.
    const answered = await chat(sessionId, 'Are you still there?')
    expect(answered.find((m) => m.data.event_type === 'complete')!.data).toMatchObject({ answer: 'Model answer.' })
    expect(model.requests).toHaveLength(2)
    const prompt = model.requests[1]!.body.messages as { role: string; content: unknown }[]
    expect(prompt).toContainEqual(expect.objectContaining({ role: 'assistant', content: 'Hi, Anna here. How can I help?' }))
    expect(prompt).toContainEqual(expect.objectContaining({ role: 'user', content: 'My order never came' }))

    // Reconnecting with Last-Event-ID replays exactly what came after it, from the store.
    const resumed = await openEventStream(`${host.url}${base()}/sessions/${sessionId}/events`, { 'last-event-id': '2' })
    await resumed.next(is('person_left'))
    expect(resumed.seen.map((s) => [s.id, s.data.event_type])).toEqual([
      ['3', 'visitor_message'],
      ['4', 'person_left'],
    ])
    await Promise.all([visitor.close(), console.close(), resumed.close()])
  })

  it('stops a run in flight when the owner takes over', async () => {
    const sessionId = 'takeover-stops'
    await chat(sessionId, 'hello')
    const before = model.requests.length
    const running = host.post(`${base()}/chat`, { request: 'slow please', session_id: sessionId }).then(readSse)
    // The model has started answering.
    for (let i = 0; model.requests.length === before && i < 500; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect((await host.owner.call('POST', owner(`${sessionId}/takeover`), {})).body).toMatchObject({ takeover: { name: 'Support' } })
    const events = await running
    expect(events.find((m) => m.data.event_type === 'complete')!.data).toMatchObject({ success: false })
    const messages = (await (await host.get(`${base()}/sessions/${sessionId}`)).json()).messages
    expect(messages.at(-1)).toMatchObject({ status: 'cancelled' })
  })

  it('answers a sync chat of a held session with an empty answer', async () => {
    const sync = await host.owner.publishedAgent({ model: 'openai:gpt-test' }, { api_response_mode: 'non_streaming' })
    const path = `/api/v1/published/${sync.id}`
    expect((await host.post(`${path}/chat/sync`, { request: 'hi', session_id: 'takeover-sync' })).status).toBe(200)
    const before = model.requests.length
    expect((await host.owner.call('POST', `/agents/${sync.id}/sessions/takeover-sync/takeover`, {})).status).toBe(200)
    const reply = await host.post(`${path}/chat/sync`, { request: 'anyone?', session_id: 'takeover-sync' })
    expect(reply.status).toBe(200)
    expect(await reply.json()).toMatchObject({ success: true, answer: '', session_id: 'takeover-sync' })
    expect(model.requests.length).toBe(before)
  })

  it('lets editors change and viewers only read', async () => {
    const sessionId = 'takeover-roles'
    await chat(sessionId, 'hello')
    const key = async (role: string) => (await host.owner.call('POST', '/owner-keys', { name: role, role })).body.key as string
    const [viewer, editor] = [await key('viewer'), await key('editor')]
    const as = (token: string, method: string, path: string, body?: unknown) =>
      fetch(`${host.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    for (const path of [`${sessionId}/takeover`, `${sessionId}/takeover/messages`, `${sessionId}/handback`]) {
      expect((await as(viewer, 'POST', owner(path), path.endsWith('messages') ? { text: 'x' } : {})).status, path).toBe(403)
    }
    expect(await (await fetch(`${host.url}${base()}/sessions/${sessionId}`)).json()).not.toHaveProperty('takeover')
    expect((await as(viewer, 'GET', `/agents/${agent.id}/takeovers`)).status).toBe(200)
    const viewerEvents = await openEventStream(`${host.url}/api/v1${owner(sessionId)}/events`, { authorization: `Bearer ${viewer}` })
    expect(viewerEvents.status).toBe(200)
    await viewerEvents.close()

    const taken = await as(editor, 'POST', owner(`${sessionId}/takeover`), { name: 'Eddie' })
    expect(taken.status).toBe(200)
    expect((await taken.json()).takeover.by).toMatch(/^key:own_/)
    // Another person cannot take it from Eddie; the admin gets 409 and nothing changes.
    const refused = await host.owner.call('POST', owner(`${sessionId}/takeover`), { name: 'Anna' })
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'taken_over', details: { takeover: { name: 'Eddie' } } } } })
    expect((await as(editor, 'POST', owner(`${sessionId}/takeover/messages`), { text: 'Eddie here' })).status).toBe(201)
    expect((await as(editor, 'POST', owner(`${sessionId}/handback`), {})).status).toBe(204)
  })

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const sessionId = 'takeover-bad'
    await chat(sessionId, 'hello')
    const cases: [string, string, unknown, number][] = [
      ['POST', owner(`${sessionId}/takeover/messages`), { text: 'nobody holds it' }, 409],
      ['POST', owner(`${sessionId}/handback`), {}, 409],
      ['POST', owner(`${sessionId}/takeover`), { name: 'x'.repeat(61) }, 400],
      ['POST', owner(`${sessionId}/takeover`), { name: '   ' }, 400],
      ['POST', owner(`${sessionId}/takeover`), { name: 'A', extra: 1 }, 400],
      ['POST', owner(`${sessionId}/takeover`), 'not json', 400],
      ['POST', `${owner(`${sessionId}/takeover`)}?scope=nowhere`, {}, 400],
      ['POST', `${owner(`${sessionId}/takeover`)}?scope=link:lnk_other`, {}, 404],
      ['POST', owner('no-such-session/takeover'), {}, 404],
      ['POST', `/agents/00000000-0000-4000-8000-000000000000/sessions/${sessionId}/takeover`, {}, 404],
      ['GET', owner('no-such-session/events'), undefined, 404],
    ]
    for (const [method, path, body, status] of cases) {
      const response = await fetch(`${host.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status)
      expect((await response.json()).error.code).toBeTypeOf('string')
    }
    expect((await host.owner.call('GET', owner(sessionId))).body).toMatchObject({ takeover: null, last_event_id: 0, message_count: 2 })
    // A person's message must say something.
    await host.owner.call('POST', owner(`${sessionId}/takeover`), {})
    for (const body of [{ text: '' }, { text: '  ' }, { text: 'x'.repeat(32_001) }, { text: 5 }, {}]) {
      expect((await host.owner.call('POST', owner(`${sessionId}/takeover/messages`), body)).status, JSON.stringify(body)).toBe(400)
    }
    expect((await host.owner.call('GET', owner(sessionId))).body).toMatchObject({ last_event_id: 1, message_count: 2 })
    const badResume = await fetch(`${host.url}${base()}/sessions/${sessionId}/events`, { headers: { 'last-event-id': 'soon' } })
    expect(badResume.status).toBe(400)
  })

  it('opens a session’s events only from the scope that holds it, like its history', async () => {
    const sessionId = 'takeover-scope'
    await chat(sessionId, 'hello')
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'events' })).body as { token: string }
    const chatKey = (await host.owner.call('POST', `/agents/${agent.id}/keys`, { name: 'server' })).body.key as string
    const refusals = [
      [`/api/v1/links/${link.token}/sessions/${sessionId}/events`, {}],
      [`${base()}/sessions/${sessionId}/events`, { authorization: `Bearer ${chatKey}` }],
      [`${base()}/sessions/another-session/events`, {}],
      [`/api/v1/published/00000000-0000-4000-8000-000000000000/sessions/${sessionId}/events`, {}],
    ] as const
    for (const [path, headers] of refusals) {
      const response = await fetch(host.url + path, { headers })
      expect(response.status, path).toBe(404)
      await response.body?.cancel()
    }
    // The same session id in the link's own scope is another session, with its own events.
    const viaLink = `/api/v1/links/${link.token}`
    expect((await readSse(await host.post(`${viaLink}/chat`, { request: 'hi', session_id: sessionId }))).at(-1)!.data.event_type).toBe('trace_saved')
    const linkEvents = await openEventStream(`${host.url}${viaLink}/sessions/${sessionId}/events`)
    expect(linkEvents.status).toBe(200)
    const linkScope = (await host.owner.call('GET', `/agents/${agent.id}/takeovers`)).body
    expect(linkScope.takeovers.some((t: { session_id: string }) => t.session_id === sessionId)).toBe(false)
    await host.owner.call('POST', `${owner(`${sessionId}/takeover`)}`, { name: 'Public only' })
    const publicEvents = await openEventStream(`${host.url}${base()}/sessions/${sessionId}/events`)
    await publicEvents.next(is('person_joined'))
    expect(linkEvents.seen).toEqual([])
    await Promise.all([linkEvents.close(), publicEvents.close()])
  })

  it('limits the event streams one client holds open', async () => {
    // An agent of its own: the streams of the other tests (same client, same agent) do not count here.
    const own = await host.owner.publishedAgent({ model: 'demo:instant' })
    const sessionId = 'takeover-limit'
    await readSse(await host.post(`/api/v1/published/${own.id}/chat`, { request: 'hello', session_id: sessionId }))
    const url = `${host.url}/api/v1/published/${own.id}/sessions/${sessionId}/events`
    const open = await Promise.all(Array.from({ length: 8 }, () => openEventStream(url)))
    expect(open.map((s) => s.status)).toEqual(Array(8).fill(200))
    const refused = await fetch(url)
    expect(refused.status).toBe(429)
    expect((await refused.json()).error.code).toBe('rate_limited')
    await open[0]!.close()
    // A closed stream gives its slot back.
    let again = 429
    for (let i = 0; again === 429 && i < 100; i++) {
      const response = await fetch(url)
      again = response.status
      if (again === 200) open.push(await openEventStream(url))
      await response.body?.cancel()
      if (again === 429) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(again).toBe(200)
    await Promise.all(open.map((s) => s.close()))
  })
})

describe('shutting down', () => {
  it('ends open session event streams, so a shutdown does not wait for them', async () => {
    const own = await startTestHost()
    const closing = await own.owner.publishedAgent({ model: 'demo:instant' })
    await readSse(await own.post(`/api/v1/published/${closing.id}/chat`, { request: 'hi', session_id: 'closing' }))
    const response = await fetch(`${own.url}/api/v1/published/${closing.id}/sessions/closing/events`)
    expect(response.status).toBe(200)
    const body = response.text()
    // A grace far longer than the test's timeout: the open stream must not be what it waits for.
    await own.close(10 * 60_000)
    expect(await body).toContain(': stream open')
    await own.stop() // removes its folder; closing again is a no-op
  })
})
