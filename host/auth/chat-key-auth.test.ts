/** authenticateChatKey over a real SQLite store: a live key of a published agent, from a server, for its own agent. */
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../shared/index.ts'
import { handleError } from '../http/errors.ts'
import { createSqliteStore } from '../store/sqlite-store.ts'
import type { Store } from '../store/store.ts'
import { authenticateChatKey } from './chat-key-auth.ts'
import { type IssuedKey, issueKey } from './key-pair.ts'

let store: Store
let app: Hono
let publishedId: string
let draftId: string
let key: IssuedKey
let draftKey: IssuedKey

async function createKey(agentId: string): Promise<IssuedKey> {
  const issued = issueKey('key')
  await store.createApiKey({ id: issued.id, agentId, name: 'server', secretHash: issued.secretHash })
  return issued
}

beforeAll(async () => {
  store = createSqliteStore(':memory:')
  const published = await store.createAgent({ name: 'Published', description: '', config: AgentConfigSchema.parse({}) })
  const outcome = await store.publish({ agentId: published.id })
  expect(outcome.kind).toBe('published')
  const draft = await store.createAgent({ name: 'Draft', description: '', config: AgentConfigSchema.parse({}) })
  publishedId = published.id
  draftId = draft.id
  key = await createKey(publishedId)
  draftKey = await createKey(draftId)

  app = new Hono()
  app.onError(handleError(() => {}))
  app.post('/chat', async (c) => {
    const chat = await authenticateChatKey(c, store, c.req.query('agent'))
    return c.json({ keyId: chat.key.id, agentId: chat.published.agent.id, version: chat.published.version.version, scope: chat.scope })
  })
})

afterAll(async () => {
  await store.close()
})

const chat = (headers: Record<string, string>, agent?: string) =>
  app.request(agent === undefined ? '/chat' : `/chat?agent=${agent}`, { method: 'POST', headers })
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` })

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code)
  return response
}

describe('authenticateChatKey', () => {
  it("returns the key, its agent's published version and the key's scope", async () => {
    const response = await chat(bearer(key.credential))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ keyId: key.id, agentId: publishedId, version: 1, scope: `key:${key.id}` })
  })

  it("accepts the key's own agent when the request names one", async () => {
    expect((await chat(bearer(key.credential), publishedId)).status).toBe(200)
  })

  it('refuses the key for another agent with 403', async () => {
    await expectError(await chat(bearer(key.credential), draftId), 403, 'forbidden')
  })

  it('refuses a key sent from a browser (with an Origin), before looking at it', async () => {
    await expectError(await chat({ ...bearer(key.credential), origin: 'https://shop.example' }), 403, 'browser_origin_refused')
    await expectError(await chat({ origin: 'https://shop.example' }), 403, 'browser_origin_refused')
  })

  it('answers a missing or malformed credential with 401 and WWW-Authenticate', async () => {
    for (const headers of [{}, { authorization: key.credential }, bearer(key.id), bearer(issueKey('own').credential)]) {
      const response = await expectError(await chat(headers), 401, 'unauthorized')
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
    }
  })

  it('answers an unknown key or a wrong secret with 401', async () => {
    await expectError(await chat(bearer(issueKey('key').credential)), 401, 'unauthorized')
    await expectError(await chat(bearer(`${key.id}.${issueKey('key').secret}`)), 401, 'unauthorized')
  })

  it('answers 404 when the key belongs to an agent that is not published', async () => {
    await expectError(await chat(bearer(draftKey.credential)), 404, 'not_found')
  })

  it('stops taking a key at once when it is refreshed or deleted', async () => {
    const live = await createKey(publishedId)
    expect((await chat(bearer(live.credential))).status).toBe(200)
    const fresh = issueKey('key', live.id)
    await store.refreshApiKey(live.id, fresh.secretHash)
    await expectError(await chat(bearer(live.credential)), 401, 'unauthorized')
    expect((await chat(bearer(fresh.credential))).status).toBe(200)
    await store.deleteApiKey(live.id)
    await expectError(await chat(bearer(fresh.credential)), 401, 'unauthorized')
  })

  it('records when the key was last used', async () => {
    const unused = await createKey(publishedId)
    expect((await store.getApiKey(unused.id))!.lastUsedAt).toBeNull()
    await chat(bearer(unused.credential))
    await expect.poll(async () => (await store.getApiKey(unused.id))!.lastUsedAt).not.toBeNull()
  })
})
