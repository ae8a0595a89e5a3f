/**
 * Security property 11: bodies are size-limited and every bad input gets a 4xx with the one error
 * body `{error: {code, message}}`, never a 5xx or a crash, and never a change to stored state.
 * Each case below names the status and code it must get; the last test checks that the agents,
 * versions, sessions and traces are exactly as they were before all of it.
 */

import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Agent, ErrorBodySchema, LIMITS } from '../../shared/index.ts'
import { ADMIN_TOKEN, eventually, readSse, startTestHost, type TestHost } from '../testing/harness.ts'

const SESSION = 'kept-session-1'
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` }
const JSON_TYPE = { 'content-type': 'application/json' }

let host: TestHost
/** Published, streaming. */
let agent: Agent
/** Published, non-streaming. */
let syncAgent: Agent
/** Never published. */
let draft: Agent

type Snapshot = Record<string, unknown>

/** Everything a bad request could have changed, read through the API. */
async function snapshot(): Promise<Snapshot> {
  const read = async (path: string, headers: Record<string, string> = AUTH) => {
    const response = await host.get(path, headers)
    expect(response.status, path).toBe(200)
    return response.json()
  }
  return {
    agents: await read('/api/v1/agents'),
    versions: await read(`/api/v1/agents/${agent.id}/versions`),
    sessions: await read(`/api/v1/agents/${agent.id}/sessions`),
    history: await read(`/api/v1/published/${agent.id}/sessions/${SESSION}`, {}),
    traces: await read('/api/v1/traces'),
  }
}

let before: Snapshot

beforeAll(async () => {
  host = await startTestHost()
  agent = await host.owner.publishedAgent({ name: 'Streaming agent', model: 'demo:instant' })
  syncAgent = await host.owner.publishedAgent({ name: 'Sync agent', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  draft = await host.owner.createAgent({ name: 'Draft agent', model: 'demo:instant' })
  const events = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Remember me', session_id: SESSION }))
  expect(events.at(-1)?.data).toMatchObject({ event_type: 'trace_saved' })
  before = await snapshot()
  expect((before.history as { messages: unknown[] }).messages).toHaveLength(2)
})

afterAll(async () => {
  await host?.stop()
})

/** The response is `status` with the single JSON error body carrying `code` (and a message matching `message`). */
async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  const text = await response.text()
  expect({ status: response.status, type: response.headers.get('content-type'), text }).toMatchObject({
    status,
    type: expect.stringMatching(/^application\/json/),
  })
  const body = ErrorBodySchema.parse(JSON.parse(text))
  expect(body.error.code).toBe(code)
  expect(body.error.message).not.toBe('')
  if (message) expect(body.error.message).toMatch(message)
}

const send = (method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}) => fetch(host.url + path, { method, headers, body })

/**
 * A POST over its own connection (node:http, no keep-alive), for bodies the host refuses before
 * reading them: `chunked` sends no Content-Length, so the limit must be enforced while reading.
 */
function rawPost(path: string, headers: Record<string, string>, body: Uint8Array, chunked = false): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(host.url + path, {
      method: 'POST',
      agent: false,
      headers: { ...headers, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }) },
    })
    request.on('error', reject)
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') headers.set(name, value)
        resolve(new Response(Buffer.concat(chunks), { status: response.statusCode!, headers }))
      })
    })
    if (chunked) for (let at = 0; at < body.length; at += 16 * 1024) request.write(body.subarray(at, at + 16 * 1024))
    else request.write(body)
    request.end()
  })
}

/** `{"request":"…"}` (plus `extra` fields) padded to exactly `bytes` bytes. */
function jsonOfSize(bytes: number, extra: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const shell = JSON.stringify({ ...extra, request: '' })
  return new TextEncoder().encode(JSON.stringify({ ...extra, request: 'x'.repeat(bytes - shell.length) }))
}

const invalidUtf8 = (): Uint8Array<ArrayBuffer> =>
  new Uint8Array([...new TextEncoder().encode('{"request":"caf'), 0xc3, 0x28, ...new TextEncoder().encode('"}')])

describe('public chat API: bad bodies', () => {
  const chatPath = () => `/api/v1/published/${agent.id}/chat`

  it.each([
    ['a number as request', { request: 5 }, /^request: /],
    ['an empty request', { request: '' }, /^request: must not be empty/],
    ['no request at all', { session_id: SESSION }, /^request: /],
    ['a request over 32000 characters', { request: 'x'.repeat(LIMITS.requestChars + 1), session_id: SESSION }, /^request: /],
    ['a session_id with a space and a slash', { request: 'hi', session_id: 'bad id/../x' }, /^session_id: may contain only/],
    ['a session_id over 128 characters', { request: 'hi', session_id: 's'.repeat(LIMITS.idChars + 1) }, /^session_id: /],
    ['an empty session_id', { request: 'hi', session_id: '' }, /^session_id: /],
    ['a number as session_id', { request: 'hi', session_id: 42 }, /^session_id: /],
    ['a request_id with bad characters', { request: 'hi', session_id: SESSION, request_id: 'id<script>' }, /^request_id: /],
    ['an array', [{ request: 'hi' }], /expected object/],
    ['null', null, /expected object/],
    ['a JSON string', 'hi', /expected object/],
  ])('refuses %s with 400 invalid_request', async (_, body, message) => {
    await expectError(await send('POST', chatPath(), JSON.stringify(body), JSON_TYPE), 400, 'invalid_request', message)
  })

  it('checks the non-streaming endpoint the same way', async () => {
    await expectError(await host.post(`/api/v1/published/${syncAgent.id}/chat/sync`, { request: 5 }), 400, 'invalid_request', /^request: /)
  })

  it.each([
    ['broken JSON', '{"request": "hi"', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['a body of spaces', '   \n ', 'invalid_json'],
  ])('refuses %s with 400 %s', async (_, body, code) => {
    await expectError(await send('POST', chatPath(), body, JSON_TYPE), 400, code)
  })

  it('refuses bytes that are not UTF-8 with 400', async () => {
    await expectError(await send('POST', chatPath(), invalidUtf8(), JSON_TYPE), 400, 'invalid_encoding', /UTF-8/)
  })

  it.each([
    ['text/plain', JSON.stringify({ request: 'hi' })],
    ['application/x-www-form-urlencoded', 'request=hi'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="request"\r\n\r\nhi\r\n--x--'],
  ])('refuses Content-Type %s with 415', async (type, body) => {
    await expectError(await send('POST', chatPath(), body, { 'content-type': type }), 415, 'unsupported_media_type', /application\/json/)
  })

  it('refuses a body over 256 KiB with 413, with or without a Content-Length', async () => {
    const body = jsonOfSize(LIMITS.bodyBytes + 1, { session_id: SESSION })
    await expectError(await rawPost(chatPath(), JSON_TYPE, body), 413, 'payload_too_large', /262144 bytes/)
    await expectError(await rawPost(chatPath(), JSON_TYPE, body, true), 413, 'payload_too_large', /262144 bytes/)
  })

  it('reads a body of exactly 256 KiB (and then refuses its over-long request with 400)', async () => {
    const body = jsonOfSize(LIMITS.bodyBytes, { session_id: SESSION })
    expect(body.length).toBe(LIMITS.bodyBytes)
    await expectError(await rawPost(chatPath(), JSON_TYPE, body), 400, 'invalid_request', /^request: /)
  })

  it.each([['abc'], ['-1'], ['1.5'], ['12345678901']])('refuses Last-Event-ID %j with 400', async (lastEventId) => {
    const response = await host.post(chatPath(), { request: 'hi', session_id: SESSION }, { 'last-event-id': lastEventId })
    await expectError(response, 400, 'invalid_request', /Last-Event-ID/)
    // The session's event stream reads it the same way, visitor's and owner's.
    await expectError(
      await host.get(`/api/v1/published/${agent.id}/sessions/${SESSION}/events`, { 'last-event-id': lastEventId }),
      400,
      'invalid_request',
      /Last-Event-ID/,
    )
    await expectError(
      await host.get(`/api/v1/agents/${agent.id}/sessions/${SESSION}/events`, { ...AUTH, 'last-event-id': lastEventId }),
      400,
      'invalid_request',
      /Last-Event-ID/,
    )
  })

  it('answers a Last-Event-ID for a run it does not have with 410, without starting a run', async () => {
    const response = await host.post(chatPath(), { request: 'hi', session_id: SESSION }, { 'last-event-id': '7' })
    await expectError(response, 410, 'run_gone')
  })

  it('names the right endpoint when the other mode is called', async () => {
    await expectError(
      await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'hi' }),
      400,
      'wrong_mode',
      new RegExp(`POST /api/v1/published/${agent.id}/chat instead`),
    )
    await expectError(
      await host.post(`/api/v1/published/${syncAgent.id}/chat`, { request: 'hi' }),
      400,
      'wrong_mode',
      new RegExp(`POST /api/v1/published/${syncAgent.id}/chat/sync instead`),
    )
  })
})

describe('public chat API: bad ids and routes', () => {
  it.each([
    ['a malformed agent id', () => '/api/v1/published/not-a-uuid'],
    ['an unknown agent id', () => `/api/v1/published/${randomUUID()}`],
    ['an agent id in upper case', () => `/api/v1/published/${agent.id.toUpperCase()}`],
    ['an unpublished agent', () => `/api/v1/published/${draft.id}`],
    ['a broken percent-encoding', () => '/api/v1/published/%ZZ'],
    ['a 4000-character agent id', () => `/api/v1/published/${'a'.repeat(4000)}`],
  ])('GET of %s is 404', async (_, path) => {
    await expectError(await host.get(path()), 404, 'not_found', /Published agent not found/)
  })

  it.each([
    ['a malformed agent id', () => '/api/v1/published/not-a-uuid/chat'],
    ['an unknown agent id', () => `/api/v1/published/${randomUUID()}/chat`],
    ['an unpublished agent', () => `/api/v1/published/${draft.id}/chat`],
  ])('a chat with %s is 404, even with a good body', async (_, path) => {
    await expectError(await host.post(path(), { request: 'hi', session_id: SESSION }), 404, 'not_found')
  })

  it.each([
    ['bad characters', 'bad!id'],
    ['over 128 characters', 's'.repeat(LIMITS.idChars + 1)],
    ['an encoded path', '..%2F..%2Fagents'],
    ['no session of that id', 'never-used'],
  ])('a session id with %s is 404', async (_, sessionId) => {
    await expectError(await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`), 404, 'not_found', /Session not found/)
    await expectError(await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}/events`), 404, 'not_found')
  })

  it.each([
    ['GET', '/nope'],
    ['GET', '/api/v1/nope'],
    ['GET', '/api/v1/published'],
    // No public route lists or deletes sessions.
    ['GET', `/api/v1/published/{agent}/sessions`],
    ['DELETE', `/api/v1/published/{agent}/sessions/${SESSION}`],
    ['PUT', '/api/v1/published/{agent}'],
    ['GET', '/api/v1/published/{agent}/chat'],
  ])('%s %s is a JSON 404', async (method, template) => {
    const path = template.replace('{agent}', agent.id)
    await expectError(await send(method, path), 404, 'not_found', new RegExp(`^No route for ${method} `))
  })
})

describe('owner API: credentials', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789abcdefghij' }],
    ['the token with something after it', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ['the token as Basic credentials', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
    ['the token without the Bearer scheme', { authorization: ADMIN_TOKEN }],
    ['an overlong token', { authorization: `Bearer ${'a'.repeat(600)}` }],
  ])('refuses %s with 401', async (_, headers) => {
    const response = await host.get('/api/v1/agents', headers)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
    await expectError(response, 401, 'unauthorized')
  })

  it.each([
    ['GET', '/api/v1/traces'],
    ['GET', '/api/v1/agents/{agent}'],
    ['DELETE', '/api/v1/agents/{agent}'],
    ['POST', '/api/v1/agents/{agent}/unpublish'],
    ['GET', '/api/v1/%61gents'],
  ])('refuses %s %s without a token', async (method, template) => {
    await expectError(await send(method, template.replace('{agent}', agent.id)), 401, 'unauthorized')
  })

  it.each([['https://example.com'], ['null'], ['http://localhost:8787']])('refuses the right token with Origin %s (403)', async (origin) => {
    await expectError(await host.get('/api/v1/agents', { ...AUTH, origin }), 403, 'browser_origin_refused')
    const create = await send('POST', '/api/v1/agents', JSON.stringify({ name: 'From a browser' }), { ...AUTH, ...JSON_TYPE, origin })
    await expectError(create, 403, 'browser_origin_refused')
  })

  // Path case, double slashes and a trailing slash never reach the agent list (property 9).
  it.each([
    ['/API/V1/AGENTS', 404, 'not_found'],
    ['/api/v1//agents', 404, 'not_found'],
    ['/api/v1/agents/', 401, 'unauthorized'],
  ])('answers %s with %i without a token and 404 with one', async (path, status, code) => {
    await expectError(await host.get(path), status, code)
    await expectError(await host.get(path, AUTH), 404, 'not_found')
  })
})

describe('owner API: bad bodies, ids and queries', () => {
  const owner = (method: string, path: string, body?: unknown) =>
    send(method, `/api/v1${path.replace('{agent}', agent.id)}`, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), {
      ...AUTH,
      ...JSON_TYPE,
    })

  it.each([
    ['no name', {}, /^name: /],
    ['a number as name', { name: 5 }, /^name: /],
    ['a blank name', { name: '   ' }, /^name: /],
    ['an unknown extra field', { name: 'x', bogus: true }, /"bogus"/],
    ['an unknown provider', { name: 'x', model: 'nope:x' }, /^model: unknown provider/],
    ['a model with a space', { name: 'x', model: 'demo x' }, /^model: /],
    ['a string as temperature', { name: 'x', temperature: 'hot' }, /^temperature: /],
    ['max_turns 0', { name: 'x', max_turns: 0 }, /^max_turns: /],
    ['an unknown tool', { name: 'x', tools: [{ type: 'builtin', name: 'rm_rf' }] }, /^tools\.0\.name: /],
    ['nine starters', { name: 'x', starters: Array.from({ length: 9 }, () => 'hi') }, /^starters: /],
  ])('POST /agents with %s is 400', async (_, body, message) => {
    await expectError(await owner('POST', '/agents', body), 400, 'invalid_request', message)
  })

  it.each([
    ['no field', {}, /at least one field/],
    ['an unknown field', { bogus: 1 }, /"bogus"/],
    ['a string as max_turns', { max_turns: 'many' }, /^max_turns: /],
    ['an unknown provider', { model: 'nope:x' }, /^model: unknown provider/],
  ])('PATCH /agents/{id} with %s is 400', async (_, body, message) => {
    await expectError(await owner('PATCH', '/agents/{agent}', body), 400, 'invalid_request', message)
  })

  it.each([
    ['an unknown mode', { api_response_mode: 'fast' }, 'invalid_request', /^api_response_mode: /],
    ['an unknown access', { access: 'everyone' }, 'invalid_request', /^access: /],
    ['a description over 100 characters', { description: 'd'.repeat(101) }, 'invalid_request', /^description: /],
    ['an unknown field', { force: true }, 'invalid_request', /"force"/],
    ['a mode change while published', { api_response_mode: 'non_streaming' }, 'mode_locked', /unpublish first/],
  ])('POST /agents/{id}/publish with %s is 400', async (_, body, code, message) => {
    await expectError(await owner('POST', '/agents/{agent}/publish', body), 400, code, message)
  })

  it.each([
    ['broken JSON', '{"name": ', 400, 'invalid_json'],
    ['an empty body', '', 400, 'invalid_json'],
    ['an array', '[]', 400, 'invalid_request'],
  ])('POST /agents with %s is %i', async (_, body, status, code) => {
    await expectError(await owner('POST', '/agents', body), status, code)
  })

  /** `levels` nested arrays around `inner`, as JSON text: 100,000 levels fit in the 256 KiB body limit. */
  const nested = (levels: number, inner = '1') => '['.repeat(levels) + inner + ']'.repeat(levels)
  const deepSchema = (levels: number) => `{"type":"object","properties":{"a":${nested(levels, '{}')}}}`

  it('refuses JSON nested 100,000 levels deep with 400 on every route that takes JSON, owner and visitor routes alike', async () => {
    const chatKey = (await host.owner.call('POST', `/agents/${syncAgent.id}/keys`, { name: 'deep' })).body.key as string
    const ownerKey = (await host.owner.call('POST', '/owner-keys', { name: 'deep', role: 'editor' })).body.key as string
    const deep = nested(100_000)
    const tool = (schema: string) => `{"name":"deep","tools":[{"type":"http","name":"t","url":"https://api.example/x","input_schema":${schema}}]}`
    const cases: [string, string, string, Record<string, string>][] = [
      ['POST', '/api/v1/agents', tool(deepSchema(100_000)), AUTH],
      ['PATCH', `/api/v1/agents/${agent.id}`, `{"starters":${deep}}`, AUTH],
      ['POST', `/api/v1/agents/${agent.id}/publish`, `{"description":${deep}}`, AUTH],
      ['POST', `/api/v1/agents/${agent.id}/links`, `{"name":${deep}}`, AUTH],
      ['POST', `/api/v1/agents/${agent.id}/keys`, `{"name":${deep}}`, AUTH],
      ['POST', '/api/v1/owner-keys', `{"name":${deep}}`, AUTH],
      ['POST', `/api/v1/agents/${agent.id}/sessions/${SESSION}/takeover`, `{"name":${deep}}`, AUTH],
      ['POST', `/api/v1/agents/${agent.id}/sessions/${SESSION}/takeover/messages`, `{"text":${deep}}`, AUTH],
      ['PATCH', `/api/v1/agents/${agent.id}/identity`, `{"require_identity":${deep}}`, AUTH],
      ['POST', `/api/v1/published/${agent.id}/chat`, `{"request":${deep}}`, {}],
      ['POST', `/api/v1/published/${syncAgent.id}/chat/sync`, `{"request":${deep}}`, {}],
      ['POST', `/api/v1/published/${agent.id}/chat/stop`, `{"request_id":${deep}}`, {}],
      ['POST', '/api/v1/console/session', `{"token":${deep}}`, {}],
      ['POST', '/v1/chat/completions', `{"model":"${syncAgent.id}","messages":${deep}}`, { authorization: `Bearer ${chatKey}` }],
      ['POST', '/openapi/agent/chat/completions/v1', `{"agentId":"${syncAgent.id}","userChatInput":${deep}}`, { authorization: `Bearer ${chatKey}` }],
      ['POST', '/agent/v1/create', `{"name":${deep}}`, { authorization: `Bearer ${ownerKey}` }],
      ['PATCH', '/agent/v1/update', `{"agentId":"${agent.id}","instruction":${deep}}`, { authorization: `Bearer ${ownerKey}` }],
    ]
    for (const [method, path, body, headers] of cases) {
      const response = await send(method, path, body, { ...headers, ...JSON_TYPE })
      const text = await response.text()
      expect({ path, status: response.status }).toEqual({ path, status: 400 })
      expect(text, path).toMatch(/nests deeper than 64 levels/)
    }
  })

  it('takes a body nested exactly 64 levels deep and refuses 65, a tool schema included', async () => {
    // Each wrapping level of the schema is two levels of JSON (the object and its properties).
    const schema = (wraps: number): string => (wraps === 0 ? '{"type":"string"}' : `{"type":"object","properties":{"a":${schema(wraps - 1)}}}`)
    // The body adds three levels above the schema: the body, `tools`, the tool.
    const create = (wraps: number) =>
      owner('POST', '/agents', `{"name":"schema","tools":[{"type":"http","name":"t","url":"https://api.example/x","input_schema":${schema(wraps)}}]}`)
    await expectError(await create(31), 400, 'invalid_json', /nests deeper than 64 levels/)
    const inside = await create(30)
    expect(inside.status).toBe(201)
    expect((await owner('DELETE', `/agents/${(await inside.json()).id}`)).status).toBe(204)
  })

  it('refuses a non-JSON content type, bad UTF-8 and an oversized body', async () => {
    await expectError(
      await send('POST', '/api/v1/agents', 'name=x', { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    )
    await expectError(await send('PATCH', `/api/v1/agents/${agent.id}`, invalidUtf8(), { ...AUTH, ...JSON_TYPE }), 400, 'invalid_encoding')
    const big = new TextEncoder().encode(JSON.stringify({ name: 'big', instructions: 'i'.repeat(LIMITS.bodyBytes) }))
    await expectError(await rawPost('/api/v1/agents', { ...AUTH, ...JSON_TYPE }, big), 413, 'payload_too_large')
    await expectError(await rawPost('/api/v1/agents', { ...AUTH, ...JSON_TYPE }, big, true), 413, 'payload_too_large')
  })

  it.each([
    ['GET', '/agents/not-a-uuid'],
    ['GET', `/agents/${randomUUID()}`],
    ['PATCH', '/agents/not-a-uuid'],
    ['DELETE', '/agents/not-a-uuid'],
    ['DELETE', `/agents/${randomUUID()}`],
    ['POST', '/agents/not-a-uuid/publish'],
    ['GET', '/agents/%ZZ/versions'],
  ])('%s %s is 404', async (method, path) => {
    await expectError(await owner(method, path, method === 'PATCH' ? { name: 'x' } : undefined), 404, 'not_found', /Agent not found/)
  })

  it.each([['abc'], ['0'], ['-1'], ['1.5'], ['1e3'], ['12345678901']])('activating version %j is 400', async (n) => {
    await expectError(await owner('POST', `/agents/{agent}/versions/${n}/activate`), 400, 'invalid_request', /^version must be a positive whole number$/)
  })

  it('activating a version that does not exist is 404', async () => {
    await expectError(await owner('POST', '/agents/{agent}/versions/99/activate'), 404, 'not_found', /Version not found/)
  })

  it.each([
    ['/agents/{agent}/sessions?limit=abc', /^limit: /],
    ['/agents/{agent}/sessions?limit=0', /^limit: /],
    ['/agents/{agent}/sessions?limit=201', /^limit: /],
    ['/agents/{agent}/sessions?before=yesterday', /^before: /],
    [`/agents/{agent}/sessions/${SESSION}?scope=everything`, /^scope: /],
    ['/traces?agent_id=not-a-uuid', /^agent_id: /],
    ['/traces?limit=-5', /^limit: /],
  ])('GET %s is 400', async (path, message) => {
    await expectError(await owner('GET', path), 400, 'invalid_request', message)
  })

  it.each([['bad!id'], ['s'.repeat(LIMITS.idChars + 1)]])('GET /agents/{id}/sessions/%s is 404', async (sessionId) => {
    await expectError(await owner('GET', `/agents/{agent}/sessions/${sessionId}`), 404, 'not_found', /Session not found/)
  })
})

describe('after all the bad input', () => {
  it('nothing changed: same agents, versions, sessions, history and traces', async () => {
    expect(await snapshot()).toEqual(before)
  })

  it('the host still chats, and the kept session goes on from its history', async () => {
    const events = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Still there?', session_id: SESSION }))
    const complete = events.find((event) => event.data.event_type === 'complete')?.data
    expect(complete).toMatchObject({ event_type: 'complete', success: true, answer: expect.stringContaining('**1** earlier question') })
  })
})

describe('a client connection after a 413', () => {
  let own: TestHost
  beforeAll(async () => {
    own = await startTestHost()
  })
  afterAll(async () => {
    await own?.stop()
  })

  it('stays usable: the next requests on the same keep-alive client succeed', async () => {
    // fetch keeps connections alive. A 413 sent before the body was read must either leave the
    // connection usable or say `Connection: close`, or the client's next request fails.
    const refused = await fetch(`${own.url}/api/v1/agents`, { method: 'POST', headers: { ...AUTH, ...JSON_TYPE }, body: jsonOfSize(LIMITS.bodyBytes + 1) })
    await expectError(refused, 413, 'payload_too_large')
    const statuses: number[] = []
    for (let i = 0; i < 3; i++)
      statuses.push(
        await fetch(`${own.url}/health`).then(
          (response) => response.status,
          () => -1,
        ),
      )
    expect(statuses).toEqual([200, 200, 200])
  })
  it('reads and drops a refused body still arriving, answers 413 and keeps the connection (a proxy sending it sees no reset)', async () => {
    const { port } = new URL(own.url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    let received = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk))
    const errors: Error[] = []
    socket.on('error', (error) => errors.push(error))
    const size = LIMITS.bodyBytes + 64 * 1024
    socket.write(
      `POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
    )
    // The body goes on arriving after the host has decided, as from a proxy that buffers nothing.
    for (let sent = 0; sent < size; sent += 32 * 1024) {
      socket.write('x'.repeat(Math.min(32 * 1024, size - sent)))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
    await eventually(() => (received.includes('{"status":"ok"}') ? true : undefined))
    socket.destroy()
    expect(errors).toEqual([])
    expect(received).toMatch(/^HTTP\/1\.1 413 /)
    expect(received).not.toMatch(/connection: close/i)
    expect(received).toMatch(/HTTP\/1\.1 200 OK/)
  })
})
