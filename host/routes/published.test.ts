import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSse, startTestHost, type TestHost, textOf } from '../testing/harness.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

const chat = (agentId: string, body: object) => host.post(`/api/v1/published/${agentId}/chat`, body)
const chatSync = (agentId: string, body: object) => host.post(`/api/v1/published/${agentId}/chat/sync`, body)

describe('published agent info', () => {
  it('shows the frozen version, not the draft', async () => {
    const agent = await host.owner.publishedAgent({ name: 'Info agent', model: 'demo:instant', welcome_message: 'Hello there', starters: ['One', 'Two'] })
    await host.owner.updateAgent(agent.id, { name: 'Renamed in draft', welcome_message: 'Draft welcome' })

    const response = await host.get(`/api/v1/published/${agent.id}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      id: agent.id,
      name: 'Info agent',
      description: '',
      api_response_mode: 'streaming',
      welcome_message: 'Hello there',
      starters: ['One', 'Two'],
      requires_password: false,
      accepts_attachments: false,
      requires_identity: false,
    })
  })

  it('is 404 for unknown, malformed and unpublished agents', async () => {
    const draftOnly = await host.owner.createAgent({ name: 'Never published', model: 'demo:instant' })
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', draftOnly.id]) {
      const response = await host.get(`/api/v1/published/${id}`)
      expect(response.status).toBe(404)
      expect((await response.json()).error.code).toBe('not_found')
      expect((await chat(id, { request: 'hi' })).status).toBe(404)
    }
  })

  it('is 404 again right after unpublishing', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    expect((await chat(agent.id, { request: 'hi' })).status).toBe(200)
    await host.owner.call('POST', `/agents/${agent.id}/unpublish`)
    expect((await chat(agent.id, { request: 'hi' })).status).toBe(404)
  })
})

describe('response modes', () => {
  it('refuses the endpoint of the other mode, naming the right one', async () => {
    const streaming = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'streaming' })
    const sync = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })

    const wrongSync = await chatSync(streaming.id, { request: 'hi' })
    expect(wrongSync.status).toBe(400)
    const body = await wrongSync.json()
    expect(body.error.code).toBe('wrong_mode')
    expect(body.error.message).toContain(`/api/v1/published/${streaming.id}/chat`)

    const wrongStream = await chat(sync.id, { request: 'hi' })
    expect(wrongStream.status).toBe(400)
    expect((await wrongStream.json()).error.message).toContain(`/api/v1/published/${sync.id}/chat/sync`)
  })

  it('answers a non-streaming agent with one JSON reply', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const response = await chatSync(agent.id, { request: 'Ping from sync', session_id: 'sync-1' })
    expect(response.status).toBe(200)
    const reply = await response.json()
    expect(reply).toMatchObject({ success: true, total_turns: 1, error: null, session_id: 'sync-1' })
    expect(reply.answer).toContain('> Ping from sync')
    expect(reply.steps[0]).toMatchObject({ role: 'assistant', tool_name: null })
    expect(reply.trace_id).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('versions in public traffic', () => {
  it('runs only the active version: draft edits are invisible until published, and roll back works', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', instructions: 'v1' }, { api_response_mode: 'non_streaming' })
    const ask = async () => (await (await chatSync(agent.id, { request: 'What time is it?' })).json()).steps as { tool_name: string | null }[]
    const usedClock = async () => (await ask()).some((step) => step.tool_name === 'current_time')

    expect(await usedClock()).toBe(false)
    await host.owner.updateAgent(agent.id, { tools: [{ type: 'builtin', name: 'current_time' }] })
    expect(await usedClock()).toBe(false) // the draft has the tool, the live version does not

    const v2 = await host.owner.call('POST', `/agents/${agent.id}/publish`, { description: 'add the clock' })
    expect(v2.status).toBe(200)
    expect(v2.body).toMatchObject({ status: 'success', version: { version: 2 } })
    expect(await usedClock()).toBe(true)

    const rollback = await host.owner.call('POST', `/agents/${agent.id}/versions/1/activate`)
    expect(rollback.status).toBe(200)
    expect(rollback.body).toMatchObject({ active_version: 1, has_unpublished_changes: true })
    expect(await usedClock()).toBe(false)
  })

  it('409s a publish that changes nothing', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const again = await host.owner.call('POST', `/agents/${agent.id}/publish`, {})
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('nothing_to_publish')
    expect((await host.owner.call('GET', `/agents/${agent.id}/versions`)).body.versions).toHaveLength(1)
  })

  it('400s a mode change while published, and allows it after unpublishing', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'streaming' })
    const locked = await host.owner.call('POST', `/agents/${agent.id}/publish`, { api_response_mode: 'non_streaming' })
    expect(locked.status).toBe(400)
    expect(locked.body.error.message).toContain('unpublish first')

    await host.owner.call('POST', `/agents/${agent.id}/unpublish`)
    const republished = await host.owner.call('POST', `/agents/${agent.id}/publish`, { api_response_mode: 'non_streaming' })
    expect(republished.status).toBe(200)
    expect(republished.body.version.version).toBe(1) // same frozen draft: no new version
    expect((await chatSync(agent.id, { request: 'hi' })).status).toBe(200)
  })
})

describe('sessions', () => {
  it('creates a session with the given id, and makes one up when none is given', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const named = await readSse(await chat(agent.id, { request: 'hi', session_id: 'my-session.1' }))
    expect(named[0]!.data).toMatchObject({ event_type: 'run_started', session_id: 'my-session.1' })

    const anonymous = await readSse(await chat(agent.id, { request: 'hi' }))
    const started = anonymous[0]!.data
    expect(started.event_type).toBe('run_started')
    const sessionId = started.event_type === 'run_started' ? started.session_id : ''
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/)
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`)).json()
    expect(history.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant'])
  })

  it('remembers earlier turns of the same session', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    await readSse(await chat(agent.id, { request: 'first', session_id: 'memory' }))
    const second = textOf(await readSse(await chat(agent.id, { request: 'second', session_id: 'memory' })))
    expect(second).toContain('**1** earlier question')
  })

  it('keeps a session id of one agent unknown to another agent', async () => {
    const a = await host.owner.publishedAgent({ model: 'demo:instant' })
    const b = await host.owner.publishedAgent({ model: 'demo:instant' })
    await readSse(await chat(a.id, { request: 'secret of a', session_id: 'shared-id' }))

    expect((await host.get(`/api/v1/published/${b.id}/sessions/shared-id`)).status).toBe(404)
    const onB = textOf(await readSse(await chat(b.id, { request: 'hello', session_id: 'shared-id' })))
    expect(onB).toContain('**0** earlier questions')
    expect(onB).not.toContain('secret of a')
  })

  it('keeps a session of another scope (a link or key) unknown to the public API', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const traceId = crypto.randomUUID()
    await host.store.startTrace({
      traceId,
      instanceId: 'published-test',
      agentId: agent.id,
      version: 1,
      sessionId: 'scoped',
      scope: 'link:abc',
      requestId: 'r',
      startedAt: new Date().toISOString(),
    })
    await host.store.finishRun({
      session: { agentId: agent.id, scope: 'link:abc', sessionId: 'scoped' },
      traceId,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'via a link' }], status: 'complete' }],
      outcome: { status: 'success', firstTokenMs: 1, totalMs: 1, turns: 1, inputTokens: 0, outputTokens: 0, toolCalls: [], error: null },
    })

    expect((await host.get(`/api/v1/published/${agent.id}/sessions/scoped`)).status).toBe(404)
    const publicTurn = textOf(await readSse(await chat(agent.id, { request: 'hi', session_id: 'scoped' })))
    expect(publicTurn).toContain('**0** earlier questions')
    const linkSession = await host.owner.call('GET', `/agents/${agent.id}/sessions/scoped?scope=link:abc`)
    expect(linkSession.body.messages).toHaveLength(1)
  })

  it('offers no public route that lists or deletes sessions', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    await readSse(await chat(agent.id, { request: 'hi', session_id: 'private' }))
    expect((await host.get(`/api/v1/published/${agent.id}/sessions`)).status).toBe(404)
    expect((await fetch(`${host.url}/api/v1/published/${agent.id}/sessions/private`, { method: 'DELETE' })).status).toBe(404)
    expect((await host.get(`/api/v1/agents/${agent.id}/sessions`)).status).toBe(401)
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/private`)).status).toBe(200)
  })
})

describe('the stream without a Node response under it', () => {
  it('is the same SSE stream when the app is called in-process (app.request, other runtimes)', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const response = await host.app.request(`/api/v1/published/${agent.id}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://site.example' },
      body: JSON.stringify({ request: 'in process' }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://site.example')
    const events = await readSse(response)
    expect(events[0]?.data.event_type).toBe('run_started')
    expect(events.find((event) => event.data.event_type === 'complete')?.data).toMatchObject({ success: true })
    expect(events.map((event) => Number(event.id))).toEqual(events.map((_, i) => i + 1))
  })
})
