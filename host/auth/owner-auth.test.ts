/**
 * ownerAuth over a real SQLite store: the admin token or an owner key as a bearer, never from a
 * browser Origin; the console cookie with CSRF; reading for every role, changing for editors;
 * and the reach and key-manager checks routes make on the principal.
 */
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONSOLE } from '../../shared/console.ts'
import type { OwnerEnv, Principal } from '../http/env.ts'
import { handleError } from '../http/errors.ts'
import { createSqliteStore } from '../store/sqlite-store.ts'
import type { OwnerRole, Store } from '../store/store.ts'
import { consoleSignIns } from './console-sign-in.ts'
import { issueKey } from './key-pair.ts'
import { canReach, ownerAuth, ownerPrincipal, reachesAll, requireKeyManager, requireReach, requireRole } from './owner-auth.ts'
import { randomToken, sha256Hex } from './secrets.ts'

const ADMIN_TOKEN = randomToken('porch_admin')
const adminTokenHash = sha256Hex(ADMIN_TOKEN)
const AGENT_A = '0f8fad5b-d9cb-469f-a165-70867728950e'
const AGENT_B = '7c9e6679-7425-40de-944b-e07fc1f90ae7'

let store: Store
const keys = {} as Record<'viewer' | 'editor' | 'owner' | 'limitedOwner' | 'limitedEditor', string>
let app: Hono<OwnerEnv>
let signIn: Hono

async function createKey(role: OwnerRole, agentIds: string[] | null): Promise<string> {
  const key = issueKey('own')
  await store.createOwnerKey({ id: key.id, name: `${role} key`, role, agentIds, secretHash: key.secretHash })
  return key.credential
}

beforeAll(async () => {
  store = createSqliteStore(':memory:')
  keys.viewer = await createKey('viewer', null)
  keys.editor = await createKey('editor', null)
  keys.owner = await createKey('owner', null)
  keys.limitedOwner = await createKey('owner', [AGENT_A])
  keys.limitedEditor = await createKey('editor', [AGENT_A])
  const sessions = consoleSignIns({ store, adminTokenHash, publicUrl: () => 'http://localhost' })

  app = new Hono<OwnerEnv>()
  app.onError(handleError(() => {}))
  app.use(ownerAuth({ adminTokenHash, store, console: sessions }))
  app.on(['GET', 'HEAD', 'POST', 'DELETE'], '/whoami', (c) => c.json(c.get('principal')))
  app.get('/agents/:id', (c) => {
    requireReach(c.get('principal'), c.req.param('id'))
    return c.json({ ok: true })
  })
  app.get('/owner-keys', (c) => {
    requireKeyManager(c.get('principal'))
    return c.json({ ok: true })
  })

  // Signs in as the bearer's principal and answers the session's CSRF token (as the console's sign-in does).
  signIn = new Hono()
  signIn.post('/', async (c) => {
    const principal = await ownerPrincipal(c.req.header('x-credential') ?? '', { adminTokenHash, store })
    const session = await sessions.start(c, principal!)
    return c.json({ csrf: session.csrfToken })
  })
})

afterAll(async () => {
  await store.close()
})

const as = (credential: string, headers: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${credential}`, ...headers } })

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code)
}

describe('ownerAuth with a bearer', () => {
  it('lets the admin token in as an owner reaching every agent', async () => {
    const response = await app.request('/whoami', as(ADMIN_TOKEN))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ kind: 'admin', keyId: null, role: 'owner', agentIds: null })
  })

  it('lets an owner key in with its role and reach', async () => {
    const response = await app.request('/whoami', as(keys.limitedEditor))
    expect(await response.json()).toEqual({ kind: 'owner_key', keyId: keys.limitedEditor.split('.')[0], role: 'editor', agentIds: [AGENT_A] })
  })

  it('answers a request without a bearer with 401 and WWW-Authenticate', async () => {
    for (const init of [{}, { headers: { authorization: `Basic ${ADMIN_TOKEN}` } }, { headers: { authorization: 'Bearer' } }]) {
      const response = await app.request('/whoami', init)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      await expectError(response, 401, 'unauthorized')
    }
  })

  it('answers a wrong token or key with 401', async () => {
    const [id] = keys.owner.split('.')
    for (const credential of [ADMIN_TOKEN + 'x', adminTokenHash, `${id}.${issueKey('own').secret}`, issueKey('own').credential]) {
      const response = await app.request('/whoami', as(credential))
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      await expectError(response, 401, 'unauthorized')
    }
  })

  it('stops taking a key once it is deleted', async () => {
    const credential = await createKey('owner', null)
    expect((await app.request('/whoami', as(credential))).status).toBe(200)
    await store.deleteOwnerKey(credential.split('.')[0]!)
    await expectError(await app.request('/whoami', as(credential)), 401, 'unauthorized')
  })

  it('refuses a bearer sent with a browser Origin, even the admin token', async () => {
    await expectError(await app.request('/whoami', as(ADMIN_TOKEN, { origin: 'https://evil.example' })), 403, 'browser_origin_refused')
    await expectError(await app.request('/whoami', as(keys.owner, { origin: 'http://localhost' })), 403, 'browser_origin_refused')
  })

  it('lets a viewer read but not change anything', async () => {
    expect((await app.request('/whoami', as(keys.viewer))).status).toBe(200)
    expect((await app.request('/whoami', { method: 'HEAD', ...as(keys.viewer) })).status).toBe(200)
    await expectError(await app.request('/whoami', { method: 'POST', ...as(keys.viewer) }), 403, 'forbidden')
    await expectError(await app.request('/whoami', { method: 'DELETE', ...as(keys.viewer) }), 403, 'forbidden')
  })

  it('lets an editor and an owner change things', async () => {
    for (const credential of [keys.editor, keys.owner, ADMIN_TOKEN])
      expect((await app.request('/whoami', { method: 'POST', ...as(credential) })).status).toBe(200)
  })

  it('records when a key was last used', async () => {
    const credential = await createKey('viewer', null)
    const id = credential.split('.')[0]!
    expect((await store.getOwnerKey(id))!.lastUsedAt).toBeNull()
    await app.request('/whoami', as(credential))
    await expect.poll(async () => (await store.getOwnerKey(id))!.lastUsedAt).not.toBeNull()
  })
})

describe('ownerAuth with the console cookie', () => {
  async function session(credential: string) {
    const response = await signIn.request('/', { method: 'POST', headers: { 'x-credential': credential } })
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!
    const { csrf } = (await response.json()) as { csrf: string }
    return { cookie, csrf }
  }

  it('lets a signed-in browser read, Origin and all', async () => {
    const { cookie } = await session(ADMIN_TOKEN)
    const response = await app.request('/whoami', { headers: { cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' } })
    expect(response.status).toBe(200)
    expect(((await response.json()) as Principal).kind).toBe('admin')
  })

  it('needs the CSRF token from the own origin to change anything', async () => {
    const { cookie, csrf } = await session(ADMIN_TOKEN)
    await expectError(await app.request('/whoami', { method: 'POST', headers: { cookie } }), 403, 'csrf_failed')
    await expectError(
      await app.request('/whoami', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site', [CONSOLE.csrfHeader]: csrf } }),
      403,
      'csrf_failed',
    )
    await expectError(
      await app.request('/whoami', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin', [CONSOLE.csrfHeader]: csrf + 'x' } }),
      403,
      'csrf_failed',
    )
    expect((await app.request('/whoami', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin', [CONSOLE.csrfHeader]: csrf } })).status).toBe(
      200,
    )
  })

  it('still keeps a viewer from changing anything', async () => {
    const { cookie, csrf } = await session(keys.viewer)
    await expectError(
      await app.request('/whoami', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin', [CONSOLE.csrfHeader]: csrf } }),
      403,
      'forbidden',
    )
  })

  it('answers an unknown or ended session with 401', async () => {
    await expectError(await app.request('/whoami', { headers: { cookie: `${CONSOLE.cookie}=nothing-like-it` } }), 401, 'unauthorized')
    const key = await createKey('owner', null)
    const { cookie } = await session(key)
    await store.deleteOwnerKey(key.split('.')[0]!)
    await expectError(await app.request('/whoami', { headers: { cookie } }), 401, 'unauthorized')
  })

  it('goes by the bearer when one is sent with the cookie', async () => {
    const { cookie } = await session(ADMIN_TOKEN)
    const response = await app.request('/whoami', as(keys.viewer, { cookie }))
    expect(((await response.json()) as Principal).role).toBe('viewer')
    await expectError(await app.request('/whoami', { headers: { cookie, authorization: 'Bearer wrong' } }), 401, 'unauthorized')
  })
})

describe('requireReach', () => {
  it('lets a limited key reach only its agents, and everyone else every agent', async () => {
    expect((await app.request(`/agents/${AGENT_A}`, as(keys.limitedEditor))).status).toBe(200)
    await expectError(await app.request(`/agents/${AGENT_B}`, as(keys.limitedEditor)), 403, 'forbidden')
    for (const credential of [ADMIN_TOKEN, keys.viewer]) expect((await app.request(`/agents/${AGENT_B}`, as(credential))).status).toBe(200)
  })
})

describe('requireKeyManager', () => {
  it('lets only an owner with unlimited reach manage owner keys', async () => {
    for (const credential of [ADMIN_TOKEN, keys.owner]) expect((await app.request('/owner-keys', as(credential))).status).toBe(200)
    for (const credential of [keys.limitedOwner, keys.editor, keys.viewer, keys.limitedEditor]) {
      await expectError(await app.request('/owner-keys', as(credential)), 403, 'forbidden')
    }
  })
})

describe('requireRole, reachesAll and canReach', () => {
  const principal = (role: OwnerRole, agentIds: string[] | null): Principal => ({ kind: 'owner_key', keyId: 'own_x', role, agentIds })

  it('ranks owner over editor over viewer', () => {
    expect(() => requireRole(principal('owner', null), 'editor')).not.toThrow()
    expect(() => requireRole(principal('editor', null), 'editor')).not.toThrow()
    expect(() => requireRole(principal('editor', null), 'owner')).toThrow(/needs the owner role; the key has editor/)
    expect(() => requireRole(principal('viewer', null), 'editor')).toThrow(/needs the editor role/)
  })

  it('treats an empty agent list as reaching nothing', () => {
    expect(reachesAll(principal('owner', []))).toBe(false)
    expect(canReach(principal('owner', []), AGENT_A)).toBe(false)
    expect(canReach(principal('viewer', null), AGENT_A)).toBe(true)
  })
})
