/** Try-it: the console chats with an agent's draft, apart from everything visitors reach. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, eventually, readSse, readSseUntil, startTestHost, type TestHost, textOf } from '../testing/harness.ts'
import { type ConsoleClient, signedInClient } from './test-client.ts'

let host: TestHost
let client: ConsoleClient
beforeAll(async () => {
  // Two visitor messages a minute per IP: try-it must not spend them.
  host = await startTestHost({ PORCH_RATE_CHAT_PER_MINUTE: '2' })
  client = await signedInClient(host.url, ADMIN_TOKEN)
})
afterAll(async () => {
  await host.stop()
})

const tryChat = (agentId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${host.url}/api/v1/agents/${agentId}/try`, {
    method: 'POST',
    headers: { cookie: client.cookie, 'x-csrf-token': client.csrfToken, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

describe('try-it', () => {
  it('runs the draft while the public API keeps answering from the active version, spending no quota or visitor limit', async () => {
    const agent = await host.owner.publishedAgent({ name: 'Clockless', model: 'demo:instant' })
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'quota', quota_total: 5 })).body
    // The draft gains a clock; the active version has none.
    await host.owner.updateAgent(agent.id, { tools: [{ type: 'builtin', name: 'current_time' }] })

    for (let i = 0; i < 3; i++) {
      const response = await tryChat(agent.id, { request: 'What time is it?', session_id: 'draft-check' })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain('text/event-stream')
      expect(response.headers.get('x-accel-buffering')).toBe('no')
      const events = await readSse(response)
      expect(events.map((e) => e.data.event_type)).toContain('tool_call')
      expect(events.find((e) => e.data.event_type === 'complete')?.data).toMatchObject({ success: true })
    }

    const visitor = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'What time is it?' }))
    expect(visitor.map((e) => e.data.event_type)).not.toContain('tool_call')
    expect(textOf(visitor)).toContain('give this agent the `current_time` tool')
    // The visitor limit (2 a minute) is untouched by three tries: a second visitor message still passes.
    expect((await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'again' })).status).toBe(200)
    expect((await host.owner.call('GET', `/agents/${agent.id}/links`)).body.links[0]).toMatchObject({ id: link.id, used_total: 0 })

    const traces = (await client.call('GET', `/traces?agent_id=${agent.id}&scope=try`)).body.traces
    expect(traces).toHaveLength(3)
    expect(traces.every((t: { version: number; scope: string; status: string }) => t.version === 0 && t.scope === 'try' && t.status === 'success')).toBe(true)
    // The draft's run is still a draft: nothing was published by trying it.
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body).toMatchObject({ active_version: 1, has_unpublished_changes: true })
  })

  it('keeps try sessions out of the default listing and out of every public route', async () => {
    const agent = await host.owner.publishedAgent({ name: 'Hidden tries', model: 'demo:instant' })
    await readSse(await tryChat(agent.id, { request: 'just trying', session_id: 'try-session' }))
    expect((await client.call('GET', `/agents/${agent.id}/sessions`)).body.sessions).toEqual([])
    const tries = (await client.call('GET', `/agents/${agent.id}/sessions?scope=try`)).body.sessions
    expect(tries).toEqual([expect.objectContaining({ session_id: 'try-session', scope: 'try', link_id: null, message_count: 2, preview: 'just trying' })])
    const transcript = await client.call('GET', `/agents/${agent.id}/sessions/try-session?scope=try`)
    expect(transcript.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant'])
    expect(transcript.body.traces).toEqual([expect.objectContaining({ version: 0, status: 'success' })])
    expect((await client.call('GET', `/agents/${agent.id}/sessions/try-session`)).status).toBe(404)
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/try-session`)).status).toBe(404)
    // A visitor using the same session id gets a fresh public session, not the try's history.
    const visitor = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'hello', session_id: 'try-session' }))
    expect(textOf(visitor)).toContain('You asked **0** earlier questions')
  })

  it('runs agents that were never published, and continues a try session', async () => {
    const agent = await host.owner.createAgent({ name: 'Unpublished', model: 'demo:instant' })
    expect((await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'hi' })).status).toBe(404)
    await readSse(await tryChat(agent.id, { request: 'one', session_id: 's1' }))
    const second = await readSse(await tryChat(agent.id, { request: 'two', session_id: 's1' }))
    expect(textOf(second)).toContain('You asked **1** earlier question')
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body.published).toBe(false)
  })

  it('stops a running try by request_id', async () => {
    const agent = await host.owner.createAgent({ name: 'Slow', model: 'demo' })
    const response = await tryChat(agent.id, { request: 'talk slowly', request_id: 'stop-me' })
    const seen = await readSseUntil(response, (m) => m.data.event_type === 'text_delta')
    expect(seen.at(-1)?.data.event_type).toBe('text_delta')
    expect((await client.call('POST', `/agents/${agent.id}/try/stop`, { request_id: 'stop-me' })).status).toBe(204)
    const trace = await eventually(async () => {
      const [found] = (await client.call('GET', `/traces?agent_id=${agent.id}`)).body.traces
      return found?.status === 'running' ? undefined : found
    })
    expect(trace.status).toBe('cancelled')
    expect((await client.call('POST', `/agents/${agent.id}/try/stop`, { request_id: 'stop-me' })).status).toBe(404)
  })

  it('answers bad requests with 4xx before any stream opens', async () => {
    const agent = await host.owner.createAgent({ name: 'Bad input', model: 'demo:instant' })
    expect((await tryChat(agent.id, { request: '' })).status).toBe(400)
    expect((await tryChat(agent.id, { request: 'x', session_id: 'bad id!' })).status).toBe(400)
    expect((await tryChat('00000000-0000-4000-8000-000000000000', { request: 'x' })).status).toBe(404)
    expect((await tryChat(agent.id, { request: 'x' }, { 'last-event-id': 'nope' })).status).toBe(400)
    expect((await client.call('POST', `/agents/${agent.id}/try/stop`, {})).status).toBe(400)
    // Bearer clients (servers) may try drafts too.
    const byBearer = await fetch(`${host.url}/api/v1/agents/${agent.id}/try`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request: 'hi' }),
    })
    expect(byBearer.status).toBe(200)
    expect((await readSse(byBearer)).at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })
  })
})

describe('models', () => {
  it('lists the providers and which are configured here', async () => {
    const reply = (await client.call('GET', '/models')).body
    expect(reply.providers).toEqual([
      { id: 'demo', configured: true },
      { id: 'openai', configured: false },
      { id: 'anthropic', configured: false },
    ])
    expect(reply.suggestions).toEqual(expect.arrayContaining(['demo', 'openai:gpt-4o-mini']))
    expect((await host.get('/api/v1/models')).status).toBe(401)
    const configured = await startTestHost({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })
    try {
      const models = await (await configured.get('/api/v1/models', { authorization: `Bearer ${ADMIN_TOKEN}` })).json()
      expect(models.providers).toContainEqual({ id: 'openai', configured: true })
    } finally {
      await configured.stop()
    }
  })
})
