import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleError } from '../../http/errors.ts'
import { createModelRegistry } from '../../runtime/providers/models.ts'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../../testing/harness.ts'
import { createPublisher } from '../owner/publishing.ts'
import { langdockRoutes } from './langdock.ts'
import { bearer, ownerKey } from './test-helpers.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

/** One Langdock API call with a credential (the admin token unless told). */
async function langdock(method: string, path: string, body?: unknown, credential = ADMIN_TOKEN, headers: Record<string, string> = {}) {
  const response = await fetch(`${host.url}/agent/v1${path}`, {
    method,
    headers: { ...bearer(credential), ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null }
}

const createAgent = async (fields: Record<string, unknown>, credential = ADMIN_TOKEN) => {
  const created = await langdock('POST', '/create', { model: 'demo:instant', ...fields }, credential)
  if (created.status !== 201) throw new Error(`create → ${created.status} ${JSON.stringify(created.body)}`)
  return created.body.agent as { id: string; [field: string]: unknown }
}

describe('Langdock agents', () => {
  it('creates from Langdock fields, mapped onto the Porch agent', async () => {
    const created = await langdock('POST', '/create', {
      name: 'Support',
      description: 'Answers customers',
      emoji: '🤖',
      instruction: 'Be brief.',
      model: 'demo:instant',
      creativity: 0.3,
      conversationStarters: ['Where is my order?'],
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      status: 'success',
      message: 'Agent created successfully',
      agent: {
        name: 'Support',
        description: 'Answers customers',
        instruction: 'Be brief.',
        model: 'demo:instant',
        creativity: 0.3,
        conversationStarters: ['Where is my order?'],
        published: false,
        activeVersion: null,
      },
    })
    const porch = await host.owner.call('GET', `/agents/${created.body.agent.id}`)
    expect(porch.body).toMatchObject({ instructions: 'Be brief.', temperature: 0.3, starters: ['Where is my order?'] })
    expect((await createAgent({ name: 'Plural', instructions: 'Also fine.' })).instruction).toBe('Also fine.')
  })

  it('updates the draft only; get shows the active version once there is one', async () => {
    const agent = await createAgent({ name: 'Drafty', instruction: 'v1' })
    const updated = await langdock('PATCH', '/update', { agentId: agent.id, instruction: 'v1.1', description: null })
    expect(updated.status).toBe(200)
    expect(updated.body).toMatchObject({ status: 'success', agent: { instruction: 'v1.1', description: '' } })
    // Never published: get shows the draft.
    expect((await langdock('GET', `/get?agentId=${agent.id}`)).body.agent.instruction).toBe('v1.1')

    expect((await langdock('POST', '/publish', { agentId: agent.id })).status).toBe(200)
    const draftEdit = await langdock('PATCH', '/update', { agentId: agent.id, instruction: 'v2 draft' })
    expect(draftEdit.body.agent).toMatchObject({ instruction: 'v2 draft', hasUnpublishedChanges: true })
    const got = await langdock('GET', `/get?agentId=${agent.id}`)
    expect(got.status).toBe(200)
    expect(got.body).toMatchObject({
      status: 'success',
      agent: { id: agent.id, instruction: 'v1.1', published: true, activeVersion: 1, hasUnpublishedChanges: true },
    })
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body.instructions).toBe('v2 draft')
  })

  it('counts a knowledge edit as an unpublished change, as the owner API does', async () => {
    const agent = await createAgent({ name: 'Knowing', instruction: 'Answer from the notes.' })
    expect((await langdock('POST', '/publish', { agentId: agent.id })).status).toBe(200)
    expect((await langdock('GET', `/get?agentId=${agent.id}`)).body.agent.hasUnpublishedChanges).toBe(false)
    const source = await host.owner.call('POST', `/agents/${agent.id}/knowledge/sources`, { kind: 'text', title: 'Hours', text: 'Open 9 to 5.' })
    expect([201, 202]).toContain(source.status)
    expect((await langdock('GET', `/get?agentId=${agent.id}`)).body.agent.hasUnpublishedChanges).toBe(true)
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body.has_unpublished_changes).toBe(true)
  })

  it('publishes a version, then 409 while nothing changed', async () => {
    const agent = await createAgent({ name: 'Publisher' })
    const published = await langdock('POST', '/publish', { agentId: agent.id, description: 'first cut' })
    expect(published.status).toBe(200)
    expect(published.body).toEqual({
      status: 'success',
      message: 'Published version 1.',
      version: { id: expect.any(String), version: 1, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    })
    const again = await langdock('POST', '/publish', { agentId: agent.id })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('nothing_to_publish')
    expect((await langdock('POST', '/publish', { agentId: agent.id, description: 'x'.repeat(101) })).status).toBe(400)
  })

  it('lists page by page with a cursor', async () => {
    const ids = [(await createAgent({ name: 'P1' })).id, (await createAgent({ name: 'P2' })).id, (await createAgent({ name: 'P3' })).id]
    const viewer = await ownerKey(host, 'viewer', ids)
    const first = await langdock('GET', '/list?limit=2', undefined, viewer)
    expect(first.status).toBe(200)
    expect(first.body.agents).toHaveLength(2)
    expect(first.body.nextCursor).toEqual(expect.any(String))
    const second = await langdock('GET', `/list?limit=2&cursor=${first.body.nextCursor}`, undefined, viewer)
    expect(second.body.agents).toHaveLength(1)
    expect(second.body.nextCursor).toBeNull()
    // Each agent exactly once, in the owner API's order (newest first).
    const ownerOrder = (await host.owner.call('GET', '/agents')).body.agents.map((agent: { id: string }) => agent.id).filter((id: string) => ids.includes(id))
    expect([...first.body.agents, ...second.body.agents].map((agent: { id: string }) => agent.id)).toEqual(ownerOrder)
    expect(ownerOrder).toHaveLength(3)
    expect((await langdock('GET', '/list?cursor=not-a-cursor', undefined, viewer)).status).toBe(400)
    expect((await langdock('GET', '/list?limit=0', undefined, viewer)).status).toBe(400)
  })
})

describe('Langdock access', () => {
  it('401 without a valid key, 403 from a browser', async () => {
    expect((await fetch(`${host.url}/agent/v1/list`)).status).toBe(401)
    expect((await langdock('GET', '/list', undefined, 'wrong-token-wrong-token')).status).toBe(401)
    expect((await langdock('GET', '/list', undefined, `own_${'A'.repeat(12)}.${'B'.repeat(43)}`)).status).toBe(401)
    const fromBrowser = await langdock('GET', '/list', undefined, ADMIN_TOKEN, { origin: 'https://example.com' })
    expect(fromBrowser.status).toBe(403)
    expect(fromBrowser.body.error.code).toBe('browser_origin_refused')
  })

  it('a viewer reads but cannot create, update or publish', async () => {
    const agent = await createAgent({ name: 'Viewed' })
    const viewer = await ownerKey(host, 'viewer')
    expect((await langdock('GET', `/get?agentId=${agent.id}`, undefined, viewer)).status).toBe(200)
    expect((await langdock('GET', '/list', undefined, viewer)).status).toBe(200)
    expect((await langdock('POST', '/create', { name: 'Nope' }, viewer)).status).toBe(403)
    expect((await langdock('PATCH', '/update', { agentId: agent.id, name: 'Nope' }, viewer)).status).toBe(403)
    expect((await langdock('POST', '/publish', { agentId: agent.id }, viewer)).status).toBe(403)
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body).toMatchObject({ name: 'Viewed', published: false })
  })

  it('an editor limited to agent A gets 403 for agent B and cannot create', async () => {
    const a = await createAgent({ name: 'A' })
    const b = await createAgent({ name: 'B' })
    const editor = await ownerKey(host, 'editor', [a.id])
    expect((await langdock('PATCH', '/update', { agentId: a.id, name: 'A2' }, editor)).status).toBe(200)
    expect((await langdock('POST', '/publish', { agentId: a.id }, editor)).status).toBe(200)
    expect((await langdock('PATCH', '/update', { agentId: b.id, name: 'B2' }, editor)).status).toBe(403)
    expect((await langdock('POST', '/publish', { agentId: b.id }, editor)).status).toBe(403)
    expect((await langdock('GET', `/get?agentId=${b.id}`, undefined, editor)).status).toBe(403)
    expect((await langdock('POST', '/create', { name: 'C' }, editor)).status).toBe(403)
    const listed = await langdock('GET', '/list?limit=100', undefined, editor)
    expect(listed.body.agents.map((agent: { id: string }) => agent.id)).toEqual([a.id])
  })

  it('400 for bad bodies, 404 for an unknown agent', async () => {
    const agent = await createAgent({ name: 'Target' })
    const bad: [string, string, unknown][] = [
      ['POST', '/create', {}],
      ['POST', '/create', { name: 'x', webSearch: true }],
      ['POST', '/create', { name: 'x', instruction: 'a', instructions: 'b' }],
      ['POST', '/create', { name: 'x', model: 'mystery:model' }],
      ['POST', '/create', { name: 'x', creativity: 5 }],
      ['PATCH', '/update', { agentId: 'not-a-uuid', name: 'x' }],
      ['PATCH', '/update', { agentId: agent.id }],
      ['PATCH', '/update', { agentId: agent.id, emoji: '🙂' }],
      ['POST', '/publish', {}],
    ]
    for (const [method, path, body] of bad) expect((await langdock(method, path, body)).status, `${path} ${JSON.stringify(body)}`).toBe(400)
    expect((await langdock('GET', '/get')).status).toBe(400)
    const unknown = '00000000-0000-4000-8000-000000000000'
    expect((await langdock('GET', `/get?agentId=${unknown}`)).status).toBe(404)
    expect((await langdock('POST', '/publish', { agentId: unknown })).status).toBe(404)
  })
})

describe('Langdock rate limit', () => {
  it('429 with Retry-After once a key has spent its requests; other keys go on', async () => {
    const app = new Hono()
    app.onError(handleError(() => {}))
    app.route(
      '/',
      langdockRoutes({
        store: host.store,
        publisher: createPublisher({ store: host.store, models: createModelRegistry({}), tools: { allowPrivate: false, decrypt: (v) => v } }),
        adminTokenHash: host.secrets.adminTokenHash,
        rateLimit: { points: 3, durationSeconds: 60 },
      }),
    )
    const viewer = await ownerKey(host, 'viewer')
    const list = (credential: string) => app.request('/agent/v1/list', { headers: bearer(credential) })

    for (let i = 0; i < 3; i++) expect((await list(ADMIN_TOKEN)).status).toBe(200)
    const limited = await list(ADMIN_TOKEN)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await limited.json()).error.code).toBe('rate_limited')
    expect((await list(viewer)).status).toBe(200)
  })
})
