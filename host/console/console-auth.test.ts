/** Console sign-in over real HTTP: the cookie, CSRF on the owner API, roles, and throttling. */
// SQLite-only on purpose: it reads and rewrites rows behind the host's back (a demoted key, an expired sign-in) that no Store method writes.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../auth/secrets.ts'
import { loadConfig } from '../config.ts'
import { silentLogger } from '../log.ts'
import { startHost } from '../server.ts'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../testing/harness.ts'
import { consoleClient, signedInClient, signIn } from './test-client.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

const agentCount = async () => (await host.owner.call('GET', '/agents')).body.agents.length
const ownerKey = async (role: string, extra: Record<string, unknown> = {}) =>
  (await host.owner.call('POST', '/owner-keys', { name: `${role} key`, role, ...extra })).body as { id: string; key: string }
const consoleRows = () => {
  const db = new Database(host.dbPath, { readonly: true })
  try {
    return db.prepare('SELECT * FROM console_sessions').all() as { id_hash: string; owner_key_id: string | null; csrf_token: string }[]
  } finally {
    db.close()
  }
}

describe('signing in and out', () => {
  it('exchanges the admin token for an HttpOnly, SameSite=Strict cookie whose value is stored only as a hash', async () => {
    const result = await signIn(host.url, ADMIN_TOKEN)
    expect(result.status).toBe(200)
    expect(result.body).toEqual({
      role: 'owner',
      agent_ids: null,
      name: 'Admin token',
      csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expires_at: expect.any(String),
    })
    const attributes = result.setCookie!.split(';').map((part) => part.trim())
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']))
    expect(attributes).not.toContain('Secure')
    const value = result.cookie!.split('=')[1]!
    expect(Buffer.from(value, 'base64url').length).toBeGreaterThanOrEqual(16)
    const rows = consoleRows()
    expect(rows.map((row) => row.id_hash)).toContain(sha256Hex(value))
    expect(JSON.stringify(rows)).not.toContain(value)
    expect(Date.parse(result.body.expires_at) - Date.now()).toBeGreaterThan(11.9 * 3600 * 1000)
  })

  it('reads the session back, and signing out ends it server-side and clears the cookie', async () => {
    const client = await signedInClient(host.url, ADMIN_TOKEN)
    const read = await client.call('GET', '/api/v1/console/session')
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ role: 'owner', csrf_token: client.csrfToken })
    expect(read.headers.get('cache-control')).toBe('no-store')
    expect((await client.call('DELETE', '/api/v1/console/session', undefined, { 'x-csrf-token': 'wrong' })).status).toBe(403)
    expect((await client.call('GET', '/api/v1/console/session')).status).toBe(200)
    const out = await client.call('DELETE', '/api/v1/console/session')
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie().join()).toMatch(/porch_console=;.*Max-Age=0/)
    // The old cookie is worthless now, even if a browser kept it.
    expect((await client.call('GET', '/api/v1/console/session')).status).toBe(401)
    expect((await client.call('GET', '/agents')).status).toBe(401)
  })

  it('refuses a wrong token with 401 and sets no cookie', async () => {
    for (const token of ['wrong-token-wrong-token-wrong', 'own_AAAAAAAAAAAA.' + 'x'.repeat(43)]) {
      const result = await signIn(host.url, token)
      expect(result.status).toBe(401)
      expect(result.body.error.code).toBe('unauthorized')
      expect(result.setCookie).toBeNull()
    }
    expect((await host.get('/api/v1/console/session')).status).toBe(401)
    expect((await host.get('/api/v1/console/session', { cookie: 'porch_console=made-up' })).status).toBe(401)
    const bad = await host.post('/api/v1/console/session', { token: '' }, { 'sec-fetch-site': 'same-origin' })
    expect(bad.status).toBe(400)
  })

  it('refuses a sign-in posted from another site', async () => {
    expect((await signIn(host.url, ADMIN_TOKEN, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    const fromEvil = await signIn(host.url, ADMIN_TOKEN, { 'sec-fetch-site': undefined, origin: 'https://evil.example' })
    expect(fromEvil.status).toBe(403)
    expect(fromEvil.body.error.code).toBe('csrf_failed')
    // A server-side client sends neither header, and a page on the host's own origin may sign in.
    expect((await signIn(host.url, ADMIN_TOKEN, { 'sec-fetch-site': undefined })).status).toBe(200)
    expect((await signIn(host.url, ADMIN_TOKEN, { 'sec-fetch-site': undefined, origin: host.url })).status).toBe(200)
  })
})

describe('CSRF on the owner API with the cookie', () => {
  it('refuses a change without the token, with a wrong one, or from another site, and changes nothing', async () => {
    const client = await signedInClient(host.url, ADMIN_TOKEN)
    const before = await agentCount()
    const attempts: Record<string, string | undefined>[] = [
      { 'x-csrf-token': undefined },
      { 'x-csrf-token': 'not-the-token' },
      { 'x-csrf-token': client.csrfToken.slice(0, -1) + (client.csrfToken.endsWith('A') ? 'B' : 'A') },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': undefined, origin: 'https://evil.example' },
      { 'sec-fetch-site': undefined },
    ]
    for (const headers of attempts) {
      const response = await client.call('POST', '/agents', { name: 'Forged' }, headers)
      expect(response.status, JSON.stringify(headers)).toBe(403)
      expect(response.body.error.code).toBe('csrf_failed')
    }
    expect(await agentCount()).toBe(before)
    const agent = (await host.owner.createAgent({ name: 'Target' })).id
    for (const headers of attempts) {
      expect((await client.call('DELETE', `/agents/${agent}`, undefined, headers)).status).toBe(403)
      expect((await client.call('PATCH', `/agents/${agent}`, { name: 'Changed' }, headers)).status).toBe(403)
    }
    expect((await host.owner.call('GET', `/agents/${agent}`)).body.name).toBe('Target')
  })

  it('accepts the token from the own origin, by Sec-Fetch-Site or by Origin', async () => {
    const client = await signedInClient(host.url, ADMIN_TOKEN)
    expect((await client.call('POST', '/agents', { name: 'Via fetch metadata' })).status).toBe(201)
    const byOrigin = await client.call('POST', '/agents', { name: 'Via origin' }, { 'sec-fetch-site': undefined, origin: host.url })
    expect(byOrigin.status).toBe(201)
    // Reading needs no CSRF token: a GET changes nothing.
    expect((await client.call('GET', '/agents', undefined, { 'x-csrf-token': undefined, 'sec-fetch-site': 'cross-site' })).status).toBe(200)
  })

  it('keeps refusing bearer keys sent with a browser Origin', async () => {
    const response = await host.get('/api/v1/agents', { authorization: `Bearer ${ADMIN_TOKEN}`, origin: host.url })
    expect(response.status).toBe(403)
  })
})

describe('roles through the cookie', () => {
  it('lets a viewer read but not change, an editor change and publish, and only an owner manage owner keys', async () => {
    const agent = await host.owner.createAgent({ name: 'Roles', model: 'demo:instant' })
    const viewer = await signedInClient(host.url, (await ownerKey('viewer')).key)
    expect(viewer.session).toMatchObject({ role: 'viewer', agent_ids: null, name: 'viewer key' })
    expect((await viewer.call('GET', `/agents/${agent.id}`)).status).toBe(200)
    const refused = await viewer.call('PATCH', `/agents/${agent.id}`, { name: 'Viewer edit' })
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    expect((await viewer.call('POST', `/agents/${agent.id}/publish`, {})).status).toBe(403)
    expect((await viewer.call('POST', `/agents/${agent.id}/try`, { request: 'hi' })).status).toBe(403)
    expect((await viewer.call('GET', '/owner-keys')).status).toBe(403)
    expect((await host.owner.call('GET', `/agents/${agent.id}`)).body).toMatchObject({ name: 'Roles', published: false })

    const editor = await signedInClient(host.url, (await ownerKey('editor')).key)
    expect((await editor.call('PATCH', `/agents/${agent.id}`, { name: 'Edited' })).status).toBe(200)
    expect((await editor.call('POST', `/agents/${agent.id}/publish`, { description: 'by the editor' })).status).toBe(200)
    expect((await editor.call('GET', '/owner-keys')).status).toBe(403)
    expect((await editor.call('POST', '/owner-keys', { name: 'x', role: 'owner' })).status).toBe(403)

    const owner = await signedInClient(host.url, (await ownerKey('owner')).key)
    expect((await owner.call('GET', '/owner-keys')).status).toBe(200)
    const made = await owner.call('POST', '/owner-keys', { name: 'made in the console', role: 'viewer' })
    expect(made.status).toBe(201)
    expect((await owner.call('DELETE', `/owner-keys/${made.body.id}`)).status).toBe(204)
  })

  it('keeps a key limited to some agents to those agents', async () => {
    const mine = await host.owner.createAgent({ name: 'Mine' })
    const other = await host.owner.createAgent({ name: 'Other' })
    const limited = await signedInClient(host.url, (await ownerKey('editor', { agent_ids: [mine.id] })).key)
    expect(limited.session.agent_ids).toEqual([mine.id])
    expect((await limited.call('GET', '/agents')).body.agents.map((a: { id: string }) => a.id)).toEqual([mine.id])
    expect((await limited.call('GET', `/agents/${other.id}`)).status).toBe(403)
    expect((await limited.call('POST', `/agents/${other.id}/try`, { request: 'hi' })).status).toBe(403)
  })

  it('ends the session on the next request when its owner key is deleted', async () => {
    const key = await ownerKey('editor')
    const client = await signedInClient(host.url, key.key)
    expect((await client.call('GET', '/agents')).status).toBe(200)
    expect(consoleRows().some((row) => row.owner_key_id === key.id)).toBe(true)
    expect((await host.owner.call('DELETE', `/owner-keys/${key.id}`)).status).toBe(204)
    expect((await client.call('GET', '/agents')).status).toBe(401)
    expect((await client.call('POST', '/agents', { name: 'after deletion' })).status).toBe(401)
    expect((await client.call('GET', '/api/v1/console/session')).status).toBe(401)
    expect(consoleRows().some((row) => row.owner_key_id === key.id)).toBe(false)
  })

  it('follows a changed role on the next request', async () => {
    const key = await ownerKey('editor')
    const client = await signedInClient(host.url, key.key)
    expect((await client.call('POST', '/agents', { name: 'while editor' })).status).toBe(201)
    // No owner-key update API exists yet; the store is where a role would change.
    const db = new Database(host.dbPath)
    db.prepare("UPDATE owner_keys SET role = 'viewer' WHERE id = ?").run(key.id)
    db.close()
    expect((await client.call('POST', '/agents', { name: 'while viewer' })).status).toBe(403)
    expect((await client.call('GET', '/api/v1/console/session')).body.role).toBe('viewer')
  })
})

describe('the session’s life', () => {
  it('ends when it expires', async () => {
    const client = await signedInClient(host.url, ADMIN_TOKEN)
    const db = new Database(host.dbPath)
    db.prepare('UPDATE console_sessions SET expires_at = ? WHERE id_hash = ?').run(
      new Date(Date.now() - 1000).toISOString(),
      sha256Hex(client.cookie.split('=')[1]!),
    )
    db.close()
    expect((await client.call('GET', '/agents')).status).toBe(401)
    expect(consoleRows().some((row) => row.id_hash === sha256Hex(client.cookie.split('=')[1]!))).toBe(false)
  })

  it('survives a restart, but not a new admin token', async () => {
    const first = await startTestHost()
    const client = await signedInClient(first.url, ADMIN_TOKEN)
    await first.close(0)
    const start = (token: string) => startHost(loadConfig({ PORT: '0', PORCH_DB: first.dbPath, PORCH_ADMIN_TOKEN: token }), { log: silentLogger })
    const same = await start(ADMIN_TOKEN)
    expect((await fetch(`${same.url}/api/v1/console/session`, { headers: { cookie: client.cookie } })).status).toBe(200)
    await same.close(0)
    const replaced = await start('a-brand-new-admin-token-0123456789')
    try {
      expect((await fetch(`${replaced.url}/api/v1/console/session`, { headers: { cookie: client.cookie } })).status).toBe(401)
    } finally {
      await replaced.close(0)
      await first.stop().catch(() => undefined)
    }
  })
})

describe('the rest of the owner API through the cookie', () => {
  it('edits and deletes links with the CSRF token, and lists keys with their last use', async () => {
    const client = await signedInClient(host.url, ADMIN_TOKEN)
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const link = (
      await client.call('POST', `/agents/${agent.id}/links`, {
        name: 'console link',
        password: 'open sesame',
        expires_in_seconds: 3600,
        quota_total: 9,
        allowed_origins: ['https://shop.example'],
      })
    ).body
    expect(link).toMatchObject({
      has_password: true,
      quota_total: 9,
      allowed_origins: ['https://shop.example'],
      token: expect.any(String),
      iframe: expect.stringContaining('<iframe'),
    })
    expect((await client.call('PATCH', `/links/${link.id}`, { enabled: false }, { 'x-csrf-token': undefined })).status).toBe(403)
    expect((await client.call('PATCH', `/links/${link.id}`, { enabled: false })).body.enabled).toBe(false)
    const [listed] = (await client.call('GET', `/agents/${agent.id}/links`)).body.links
    expect(Object.keys(listed).sort()).toEqual(
      [
        'id',
        'agent_id',
        'name',
        'expires_at',
        'expired',
        'has_password',
        'enabled',
        'quota_per_visitor_per_day',
        'quota_total',
        'used_total',
        'allowed_origins',
        'created_at',
        'updated_at',
      ].sort(),
    )
    expect((await client.call('DELETE', `/links/${link.id}`, undefined, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await client.call('DELETE', `/links/${link.id}`)).status).toBe(204)

    const key = (await client.call('POST', `/agents/${agent.id}/keys`, { name: 'server' })).body
    expect(key.key).toMatch(/^key_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    expect((await client.call('GET', `/agents/${agent.id}/keys`)).body.keys[0]).toMatchObject({ id: key.id, last_used_at: null })
    const used = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: agent.id, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(used.status).toBe(200)
    expect((await client.call('GET', `/agents/${agent.id}/keys`)).body.keys[0].last_used_at).toMatch(/^\d{4}-/)
  })
})

describe('a host on https', () => {
  it('marks the cookie Secure', async () => {
    const https = await startTestHost({ PORCH_PUBLIC_URL: 'https://porch.example' })
    try {
      const result = await signIn(https.url, ADMIN_TOKEN)
      expect(result.status).toBe(200)
      expect(result.setCookie!.split(';').map((part) => part.trim())).toContain('Secure')
      // Its own origin is the public one: a page there may send changes.
      const client = consoleClient(https.url, result.cookie!, result.body.csrf_token)
      expect((await client.call('POST', '/agents', { name: 'x' }, { 'sec-fetch-site': undefined, origin: 'https://porch.example' })).status).toBe(201)
    } finally {
      await https.stop()
    }
  })
})

describe('guessing', () => {
  it('throttles wrong tokens per IP with 429 and Retry-After, while right ones do not use the allowance', async () => {
    const limited = await startTestHost({ PORCH_RATE_UNLOCK_PER_15MIN: '3' })
    try {
      for (let i = 0; i < 5; i++) expect((await signIn(limited.url, ADMIN_TOKEN)).status).toBe(200)
      for (let i = 0; i < 3; i++) expect((await signIn(limited.url, `wrong-token-${i}-wrong-token-wrong`)).status).toBe(401)
      const throttled = await signIn(limited.url, 'wrong-token-4-wrong-token-wrong')
      expect(throttled.status).toBe(429)
      expect(throttled.body.error.code).toBe('rate_limited')
      const refused = await fetch(`${limited.url}/api/v1/console/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: ADMIN_TOKEN }),
      })
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await limited.stop()
    }
  })
})
