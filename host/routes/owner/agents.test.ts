import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

describe('owner authentication', () => {
  it('needs the admin token, and refuses it from a browser origin', async () => {
    expect((await host.get('/api/v1/agents')).status).toBe(401)
    expect((await host.get('/api/v1/agents', { authorization: 'Bearer wrong-token-wrong-token-wrong' })).status).toBe(401)
    expect((await host.get('/api/v1/agents', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200)
    const fromBrowser = await host.get('/api/v1/agents', { authorization: `Bearer ${ADMIN_TOKEN}`, origin: 'https://example.com' })
    expect(fromBrowser.status).toBe(403)
    expect((await fromBrowser.json()).error.code).toBe('browser_origin_refused')
  })

  it('stores only a hash of the admin token', async () => {
    const stored = await host.store.getSetting('admin_token_hash')
    expect(stored).toMatch(/^[0-9a-f]{64}$/)
    expect(stored).not.toContain(ADMIN_TOKEN)
  })
})

describe('agents', () => {
  it('creates with defaults, reads, lists, edits the draft and deletes', async () => {
    const created = await host.owner.call('POST', '/agents', { name: 'Support', instructions: 'Help.' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      name: 'Support',
      instructions: 'Help.',
      model: 'demo',
      max_turns: 8,
      tools: [],
      published: false,
      active_version: null,
      api_response_mode: 'streaming',
      access: 'public',
    })
    const id = created.body.id

    expect((await host.owner.call('GET', `/agents/${id}`)).body.name).toBe('Support')
    expect((await host.owner.call('GET', '/agents')).body.agents.map((a: { id: string }) => a.id)).toContain(id)

    const patched = await host.owner.call('PATCH', `/agents/${id}`, { temperature: 0.2, starters: ['Where is my order?'] })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ name: 'Support', instructions: 'Help.', temperature: 0.2, starters: ['Where is my order?'] })

    expect((await host.owner.call('DELETE', `/agents/${id}`)).status).toBe(204)
    expect((await host.owner.call('GET', `/agents/${id}`)).status).toBe(404)
    expect((await host.owner.call('DELETE', `/agents/${id}`)).status).toBe(404)
  })

  it('rejects unknown model providers and unknown fields', async () => {
    const badModel = await host.owner.call('POST', '/agents', { name: 'x', model: 'mystery:model' })
    expect(badModel.status).toBe(400)
    expect(badModel.body.error.message).toContain('mystery')
    expect((await host.owner.call('POST', '/agents', { name: 'x', colour: 'red' })).status).toBe(400)
    expect((await host.owner.call('PATCH', '/agents/00000000-0000-4000-8000-000000000000', { name: 'y' })).status).toBe(404)
  })

  it('refuses to publish a model whose provider is not configured here', async () => {
    const agent = await host.owner.createAgent({ name: 'Needs OpenAI', model: 'openai:gpt-4o-mini' })
    const publish = await host.owner.call('POST', `/agents/${agent.id}/publish`)
    expect(publish.status).toBe(400)
    expect(publish.body.error.message).toContain('OPENAI_API_KEY')
  })
})

describe('publishing and versions', () => {
  it('freezes each publish as a numbered version and reports pending draft changes', async () => {
    const agent = await host.owner.createAgent({ name: 'Versions', model: 'demo:instant' })
    const first = await host.owner.call('POST', `/agents/${agent.id}/publish`, { description: 'first cut' })
    // 200, not 201: FastAPI's default, which Skill Compose and Langdock clients check for.
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ status: 'success', message: 'Published version 1.', version: { version: 1 } })
    expect(first.body.version.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/)

    await host.owner.updateAgent(agent.id, { instructions: 'second' })
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body.has_unpublished_changes).toBe(true)
    await host.owner.call('POST', `/agents/${agent.id}/publish`, { description: 'second cut' })

    const versions = (await host.owner.call('GET', `/agents/${agent.id}/versions`)).body.versions
    expect(versions.map((v: { version: number; description: string; active: boolean }) => [v.version, v.description, v.active])).toEqual([
      [2, 'second cut', true],
      [1, 'first cut', false],
    ])
    expect(versions[0].config.instructions).toBe('second')
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body).toMatchObject({ has_unpublished_changes: false, active_version: 2 })

    // Publishing again after an unpublish makes no new version: also 200, the message says which.
    expect((await host.owner.call('POST', `/agents/${agent.id}/unpublish`)).status).toBe(200)
    const again = await host.owner.call('POST', `/agents/${agent.id}/publish`)
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ status: 'success', message: 'Version 2 is published.', version: { version: 2 } })
  })

  it('limits a change description to 100 characters and rejects unknown versions', async () => {
    const agent = await host.owner.createAgent({ name: 'Limits', model: 'demo:instant' })
    expect((await host.owner.call('POST', `/agents/${agent.id}/publish`, { description: 'x'.repeat(101) })).status).toBe(400)
    expect((await host.owner.call('POST', `/agents/${agent.id}/publish`, { description: 'x'.repeat(100) })).status).toBe(200)
    expect((await host.owner.call('POST', `/agents/${agent.id}/versions/7/activate`)).status).toBe(404)
    expect((await host.owner.call('POST', `/agents/${agent.id}/versions/abc/activate`)).status).toBe(400)
  })
})

describe('watching: sessions and traces', () => {
  it('lists an agent’s sessions and shows their transcripts and traces', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'What time is it?', session_id: 'watched' }))

    const sessions = (await host.owner.call('GET', `/agents/${agent.id}/sessions`)).body.sessions
    expect(sessions).toEqual([expect.objectContaining({ session_id: 'watched', scope: 'public' })])

    const transcript = (await host.owner.call('GET', `/agents/${agent.id}/sessions/watched`)).body
    expect(transcript.messages.map((m: { content: { type: string }[] }) => m.content.map((b) => b.type).join('+'))).toEqual([
      'text',
      'text+tool_use',
      'tool_result',
      'text',
    ])

    const [trace] = (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces
    expect(trace).toMatchObject({ status: 'success', session_id: 'watched', turns: 2, version: 1, error: null })
    expect(trace.tool_calls).toEqual([expect.objectContaining({ tool_name: 'current_time', is_error: false, turn: 1 })])
    expect(trace.time_to_first_token_ms).toBeGreaterThanOrEqual(0)
    expect(trace.total_ms).toBeGreaterThanOrEqual(trace.time_to_first_token_ms)
    expect(trace.input_tokens).toBeGreaterThan(0)
  })
})
