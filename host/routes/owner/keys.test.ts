/**
 * Who may hand out credentials: a key never mints or manages a key with more reach than its own.
 * Owner keys are managed by the admin token and by owner keys without agent limits only; chat
 * keys and links stay inside the caller's agents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../../shared/index.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
let mine: Agent
let theirs: Agent
beforeAll(async () => {
  host = await startTestHost()
  mine = await host.owner.publishedAgent({ name: 'Mine', model: 'demo:instant' })
  theirs = await host.owner.publishedAgent({ name: 'Theirs', model: 'demo:instant' })
})
afterAll(async () => {
  await host?.stop()
})

const mintOwnerKey = async (body: Record<string, unknown>) => {
  const created = await host.owner.call('POST', '/owner-keys', body)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as { id: string; key: string }
}

const as = async (key: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${host.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

const ownerKeyIds = async () => ((await host.owner.call('GET', '/owner-keys')).body.owner_keys as { id: string }[]).map((key) => key.id).sort()

describe('owner keys are managed only with unlimited reach', () => {
  it('refuses a limited owner key that tries to mint an unlimited key, list keys or delete one, and changes nothing', async () => {
    const limited = await mintOwnerKey({ name: 'limited owner', role: 'owner', agent_ids: [mine.id] })
    const bystander = await mintOwnerKey({ name: 'bystander', role: 'viewer' })
    const before = await ownerKeyIds()

    for (const body of [
      { name: 'escalated', role: 'owner' },
      { name: 'same reach', role: 'viewer', agent_ids: [mine.id] },
    ]) {
      const minted = await as(limited.key, 'POST', '/owner-keys', body)
      expect(minted.status).toBe(403)
      expect(minted.body.error.message).toMatch(/limited to some agents/)
      expect(minted.body.key).toBeUndefined()
    }
    expect((await as(limited.key, 'GET', '/owner-keys')).status).toBe(403)
    expect((await as(limited.key, 'DELETE', `/owner-keys/${bystander.id}`)).status).toBe(403)

    expect(await ownerKeyIds()).toEqual(before)
    // The bystander's key still works: nothing was deleted behind the 403.
    expect((await as(bystander.key, 'GET', '/agents')).status).toBe(200)
    // And the limited key still reaches only its agent.
    expect((await as(limited.key, 'GET', `/agents/${theirs.id}`)).status).toBe(403)
    expect(((await as(limited.key, 'GET', '/agents')).body.agents as Agent[]).map((agent) => agent.id)).toEqual([mine.id])
  })

  it('lets the admin token and an unlimited owner key manage owner keys, and no editor', async () => {
    const unlimited = await mintOwnerKey({ name: 'unlimited owner', role: 'owner' })
    const editor = await mintOwnerKey({ name: 'editor', role: 'editor' })

    const minted = await as(unlimited.key, 'POST', '/owner-keys', { name: 'from unlimited', role: 'viewer', agent_ids: [theirs.id] })
    expect(minted.status).toBe(201)
    expect(minted.body.agent_ids).toEqual([theirs.id])
    expect((await as(unlimited.key, 'GET', '/owner-keys')).status).toBe(200)
    expect((await as(editor.key, 'POST', '/owner-keys', { name: 'nope', role: 'viewer' })).status).toBe(403)
    expect((await as(editor.key, 'GET', '/owner-keys')).status).toBe(403)
    expect((await as(unlimited.key, 'DELETE', `/owner-keys/${minted.body.id}`)).status).toBe(204)
    expect(await ownerKeyIds()).not.toContain(minted.body.id)
  })
})

describe('chat keys and links stay inside the caller’s agents', () => {
  it('lets a limited owner key create, list, refresh and delete credentials of its own agents only', async () => {
    const limited = await mintOwnerKey({ name: 'limited editor', role: 'owner', agent_ids: [mine.id] })
    const foreignKey = (await host.owner.call('POST', `/agents/${theirs.id}/keys`, { name: 'theirs' })).body as { id: string; key: string }
    const foreignLink = (await host.owner.call('POST', `/agents/${theirs.id}/links`, { name: 'theirs' })).body as { id: string }

    expect((await as(limited.key, 'POST', `/agents/${theirs.id}/keys`, { name: 'stolen' })).status).toBe(403)
    expect((await as(limited.key, 'GET', `/agents/${theirs.id}/keys`)).status).toBe(403)
    expect((await as(limited.key, 'POST', `/keys/${foreignKey.id}/refresh`)).status).toBe(403)
    expect((await as(limited.key, 'DELETE', `/keys/${foreignKey.id}`)).status).toBe(403)
    expect((await as(limited.key, 'POST', `/agents/${theirs.id}/links`, { name: 'stolen' })).status).toBe(403)
    expect((await as(limited.key, 'GET', `/agents/${theirs.id}/links`)).status).toBe(403)
    expect((await as(limited.key, 'PATCH', `/links/${foreignLink.id}`, { rotate_token: true })).status).toBe(403)
    expect((await as(limited.key, 'GET', `/traces`)).status).toBe(400)
    expect((await as(limited.key, 'GET', `/traces?agent_id=${theirs.id}`)).status).toBe(403)

    // The foreign key still answers with its old secret: refresh was refused, not half-done.
    const chat = await host.post(
      '/v1/chat/completions',
      { model: theirs.id, messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${foreignKey.key}` },
    )
    expect(chat.status).toBe(200)

    expect((await as(limited.key, 'POST', `/agents/${mine.id}/keys`, { name: 'own' })).status).toBe(201)
    expect((await as(limited.key, 'POST', `/agents/${mine.id}/links`, { name: 'own' })).status).toBe(201)
  })
})
