/**
 * The owner API of share links: create (with every option) and get the URL and snippets once,
 * list without secrets, change a link (password, expiry, enabled, token) with effect on the
 * very next visitor request, delete, and refuse bad bodies with a 400 that says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../../shared/index.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'

type LinkJson = {
  id: string
  agent_id: string
  name: string
  expires_at: string | null
  expired: boolean
  has_password: boolean
  enabled: boolean
  quota_per_visitor_per_day: number | null
  quota_total: number | null
  used_total: number
  allowed_origins: string[]
}
type CreatedLink = LinkJson & { token: string; url: string; iframe: string; script: string; script_url: string; integrity: string | null }

let host: TestHost
let agent: Agent
beforeAll(async () => {
  host = await startTestHost({ PORCH_RATE_UNLOCK_PER_15MIN: '1000' })
  agent = await host.owner.publishedAgent({ name: 'Linked agent', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
})
afterAll(async () => {
  await host?.stop()
})

async function createLink(body: Record<string, unknown> = {}, agentId = agent.id): Promise<CreatedLink> {
  const created = await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'Share', ...body })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body
}

const patchLink = (id: string, patch: Record<string, unknown>) => host.owner.call('PATCH', `/links/${id}`, patch)
const listLinks = async (): Promise<LinkJson[]> => (await host.owner.call('GET', `/agents/${agent.id}/links`)).body.links

/** What a visitor of the link gets: the info request's status. */
const visit = async (token: string) => (await host.get(`/api/v1/links/${token}`)).status
/** A visitor's message through the link, with a visitor token when given. */
const say = (token: string, visitorToken?: string) =>
  host.post(`/api/v1/links/${token}/chat/sync`, { request: 'hello' }, visitorToken ? { authorization: `Bearer ${visitorToken}` } : {})
const unlock = (token: string, password: string) => host.post(`/api/v1/links/${token}/unlock`, { password })
async function visitorToken(token: string, password: string): Promise<string> {
  const response = await unlock(token, password)
  expect(response.status).toBe(200)
  return (await response.json()).token
}

describe('creating a link', () => {
  it('takes a name, expiry, password, quotas and origins and returns the token, URL and snippets once', async () => {
    const before = Date.now()
    const link = await createLink({
      name: 'Spring campaign',
      expires_in_seconds: 3600,
      password: 'open sesame',
      quota_per_visitor_per_day: 20,
      quota_total: 500,
      allowed_origins: ['https://shop.example', 'http://localhost:3000'],
    })
    const after = Date.now()

    expect(link).toMatchObject({
      agent_id: agent.id,
      name: 'Spring campaign',
      expired: false,
      has_password: true,
      enabled: true,
      quota_per_visitor_per_day: 20,
      quota_total: 500,
      used_total: 0,
      allowed_origins: ['https://shop.example', 'http://localhost:3000'],
    })
    expect(link.id).toMatch(/^lnk_[A-Za-z0-9_-]{16}$/)
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const expires = Date.parse(link.expires_at!)
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000)
    expect(expires).toBeLessThanOrEqual(after + 3600_000 + 1000)

    expect(link.url).toBe(`${host.publicUrl}/l/${link.token}`)
    expect(link.iframe).toContain(`src="${link.url}"`)
    expect(link.iframe).toMatch(/^<iframe [^>]*title="Chat"/)
    expect(link.script).toContain(`data-link="${link.token}"`)
    expect(link.script).toContain(`src="${host.publicUrl}/widget/`)
    expect(link.script).toMatch(/ integrity="sha384-[A-Za-z0-9+/]{64}" crossorigin="anonymous"/)
    expect(link.integrity).toMatch(/^sha384-/)
    expect(link.script).toContain(`integrity="${link.integrity}"`)
  })

  it('takes an absolute expires_at and stores it in UTC', async () => {
    const link = await createLink({ expires_at: '2035-06-01T12:00:00+02:00' })
    expect(link.expires_at).toBe('2035-06-01T10:00:00.000Z')
    expect(link.has_password).toBe(false)
  })

  it('makes a link that works for visitors at once, and a disabled one that does not', async () => {
    const open = await createLink()
    expect(await visit(open.token)).toBe(200)
    expect((await say(open.token)).status).toBe(200)

    const off = await createLink({ enabled: false })
    expect(off.enabled).toBe(false)
    expect(await visit(off.token)).toBe(404)
  })

  it('answers 404 for an unknown or malformed agent', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-agent']) {
      const response = await host.owner.call('POST', `/agents/${id}/links`, { name: 'x' })
      expect(response.status).toBe(404)
      expect(response.body.error.code).toBe('not_found')
    }
  })
})

describe('listing links', () => {
  it('shows every link of the agent without its token or password', async () => {
    const link = await createLink({ name: 'Listed', password: 'listed-secret-pw' })
    const response = await host.owner.call('GET', `/agents/${agent.id}/links`)
    expect(response.status).toBe(200)
    const listed = (response.body.links as LinkJson[]).find((l) => l.id === link.id)
    expect(listed).toMatchObject({ name: 'Listed', has_password: true, enabled: true })

    const text = JSON.stringify(response.body)
    expect(text).not.toContain(link.token)
    expect(text).not.toContain('listed-secret-pw')
    expect(text).not.toContain('scrypt')
    expect(text).not.toMatch(/token|hash|"password"/)
  })
})

describe('changing a link', () => {
  it('turns the password off, on again, and changes it', async () => {
    const link = await createLink({ password: 'first-password' })
    expect((await say(link.token)).status).toBe(401)

    const off = await patchLink(link.id, { password: null })
    expect(off.status).toBe(200)
    expect(off.body.has_password).toBe(false)
    expect((await say(link.token)).status).toBe(200)
    expect((await unlock(link.token, 'first-password')).status).toBe(400) // nothing to unlock

    const on = await patchLink(link.id, { password: 'second-password' })
    expect(on.body.has_password).toBe(true)
    expect((await say(link.token)).status).toBe(401)
    expect((await unlock(link.token, 'first-password')).status).toBe(401)
    expect((await say(link.token, await visitorToken(link.token, 'second-password'))).status).toBe(200)

    await patchLink(link.id, { password: 'third-password' })
    expect((await unlock(link.token, 'second-password')).status).toBe(401)
    expect((await say(link.token, await visitorToken(link.token, 'third-password'))).status).toBe(200)
  })

  it('locks out visitors who unlocked with the old password when the password changes', async () => {
    const link = await createLink({ password: 'old-password' })
    const before = await visitorToken(link.token, 'old-password')
    expect((await say(link.token, before)).status).toBe(200)
    await patchLink(link.id, { password: 'new-password' })
    const after = await say(link.token, before)
    expect(after.status).toBe(401)
    expect((await after.json()).error.code).toBe('password_required')
  })

  it('moves the expiry: past (410), cleared, and relative', async () => {
    const link = await createLink({ expires_in_seconds: 600 })

    const past = await patchLink(link.id, { expires_at: new Date(Date.now() - 60_000).toISOString() })
    expect(past.status).toBe(200)
    expect(past.body.expired).toBe(true)
    expect(await visit(link.token)).toBe(410)
    expect((await say(link.token)).status).toBe(410)

    const never = await patchLink(link.id, { expires_at: null })
    expect(never.body).toMatchObject({ expires_at: null, expired: false })
    expect(await visit(link.token)).toBe(200)

    const before = Date.now()
    const relative = await patchLink(link.id, { expires_in_seconds: 120 })
    expect(Date.parse(relative.body.expires_at)).toBeGreaterThanOrEqual(before + 120_000 - 1000)
    expect(await visit(link.token)).toBe(200)
  })

  it('disables and enables a link, with effect on the next request', async () => {
    const link = await createLink()
    expect((await patchLink(link.id, { enabled: false })).body.enabled).toBe(false)
    expect(await visit(link.token)).toBe(404)
    expect((await say(link.token)).status).toBe(404)
    expect((await host.get(`/l/${link.token}`)).status).toBe(404)

    expect((await patchLink(link.id, { enabled: true })).body.enabled).toBe(true)
    expect(await visit(link.token)).toBe(200)
    expect((await host.get(`/l/${link.token}`)).status).toBe(200)
  })

  it('rotates the token: the old URL is 404 at once, the new one works with new snippets', async () => {
    const link = await createLink({ name: 'Rotating' })
    const rotated = await patchLink(link.id, { rotate_token: true })
    expect(rotated.status).toBe(200)
    const fresh = rotated.body as CreatedLink
    expect(fresh.id).toBe(link.id)
    expect(fresh.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(fresh.token).not.toBe(link.token)
    expect(fresh.url).toBe(`${host.publicUrl}/l/${fresh.token}`)
    expect(fresh.script).toContain(`data-link="${fresh.token}"`)
    expect(fresh.iframe).toContain(fresh.url)

    expect(await visit(link.token)).toBe(404)
    expect((await host.get(`/l/${link.token}`)).status).toBe(404)
    expect(await visit(fresh.token)).toBe(200)
    expect((await say(fresh.token)).status).toBe(200)
  })

  it('changes name, quotas and origins, and a patch without a new token does not show one', async () => {
    const link = await createLink({ quota_total: 10 })
    const patched = await patchLink(link.id, { name: 'Renamed', quota_total: null, quota_per_visitor_per_day: 3, allowed_origins: ['https://a.example'] })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ name: 'Renamed', quota_total: null, quota_per_visitor_per_day: 3, allowed_origins: ['https://a.example'] })
    expect(patched.body).not.toHaveProperty('token')
    expect(JSON.stringify(patched.body)).not.toContain(link.token)
  })
})

describe('deleting a link', () => {
  it('is 404 for visitors on the very next request, and gone from the list', async () => {
    const link = await createLink({ password: 'delete-me-pw' })
    const visitor = await visitorToken(link.token, 'delete-me-pw')
    expect((await say(link.token, visitor)).status).toBe(200)

    expect((await host.owner.call('DELETE', `/links/${link.id}`)).status).toBe(204)
    expect((await say(link.token, visitor)).status).toBe(404)
    expect(await visit(link.token)).toBe(404)
    expect((await host.get(`/l/${link.token}`)).status).toBe(404)
    expect((await listLinks()).map((l) => l.id)).not.toContain(link.id)

    expect((await host.owner.call('DELETE', `/links/${link.id}`)).status).toBe(404)
    expect((await patchLink(link.id, { name: 'Ghost' })).status).toBe(404)
  })
})

describe('bad requests', () => {
  it.each([
    ['an unknown field', { name: 'x', colour: 'red' }, /"colour"/],
    ['no name', {}, /^name: /],
    ['an origin with a path', { name: 'x', allowed_origins: ['https://x.com/path'] }, /^allowed_origins\.0: must be an origin/],
    ['an origin with a trailing slash', { name: 'x', allowed_origins: ['https://x.com/'] }, /^allowed_origins\.0: /],
    ['an origin that is not http(s)', { name: 'x', allowed_origins: ['javascript:alert(1)'] }, /^allowed_origins\.0: /],
    ['both expires_at and expires_in_seconds', { name: 'x', expires_at: '2035-01-01T00:00:00Z', expires_in_seconds: 3600 }, /not both/],
    ['an expiry that is not a date', { name: 'x', expires_at: 'next tuesday' }, /^expires_at: /],
    ['expires_in_seconds under a minute', { name: 'x', expires_in_seconds: 5 }, /^expires_in_seconds: /],
    ['a three-character password', { name: 'x', password: 'abc' }, /^password: /],
    ['a zero quota', { name: 'x', quota_total: 0 }, /^quota_total: /],
    ['a fractional quota', { name: 'x', quota_per_visitor_per_day: 1.5 }, /^quota_per_visitor_per_day: /],
  ])('POST /agents/{id}/links with %s is 400', async (_, body, message) => {
    const response = await host.owner.call('POST', `/agents/${agent.id}/links`, body)
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_request')
    expect(response.body.error.message).toMatch(message)
  })

  it.each([
    ['no field', {}, /at least one field/],
    ['an unknown field', { token: 'mine' }, /"token"/],
    ['a bad origin', { allowed_origins: ['https://x.com/path'] }, /^allowed_origins\.0: /],
    ['both expiries', { expires_at: '2035-01-01T00:00:00Z', expires_in_seconds: 3600 }, /not both/],
    ['rotate_token false', { rotate_token: false }, /^rotate_token: /],
  ])('PATCH /links/{id} with %s is 400 and changes nothing', async (_, body, message) => {
    const link = await createLink({ name: 'Untouched' })
    const response = await patchLink(link.id, body)
    expect(response.status).toBe(400)
    expect(response.body.error.message).toMatch(message)
    expect((await listLinks()).find((l) => l.id === link.id)).toMatchObject({ name: 'Untouched', enabled: true, allowed_origins: [] })
    expect(await visit(link.token)).toBe(200)
  })

  it.each([['lnk_doesnotexist0000'], ['not-a-link'], ['lnk_%27%20OR%201%3D1']])('PATCH and DELETE of link %s are 404', async (id) => {
    expect((await patchLink(id, { name: 'x' })).status).toBe(404)
    expect((await host.owner.call('DELETE', `/links/${id}`)).status).toBe(404)
  })
})

describe('who may manage links', () => {
  const ownerKey = async (body: Record<string, unknown>) => {
    const created = await host.owner.call('POST', '/owner-keys', body)
    expect(created.status).toBe(201)
    return created.body.key as string
  }
  const as = (key: string, method: string, path: string, body?: unknown) =>
    fetch(`${host.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  it('needs a credential', async () => {
    const link = await createLink()
    expect((await fetch(`${host.url}/api/v1/agents/${agent.id}/links`)).status).toBe(401)
    expect((await fetch(`${host.url}/api/v1/links/${link.id}`, { method: 'DELETE' })).status).toBe(401)
    expect(
      (await fetch(`${host.url}/api/v1/links/${link.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"enabled":false}' }))
        .status,
    ).toBe(401)
    expect(await visit(link.token)).toBe(200)
  })

  it('lets a viewer list but not change, and a key limited to other agents do neither', async () => {
    const link = await createLink()
    const other = await host.owner.publishedAgent({ model: 'demo:instant' })
    const viewer = await ownerKey({ name: 'viewer', role: 'viewer' })
    const elsewhere = await ownerKey({ name: 'elsewhere', role: 'editor', agent_ids: [other.id] })

    expect((await as(viewer, 'GET', `/agents/${agent.id}/links`)).status).toBe(200)
    expect((await as(viewer, 'POST', `/agents/${agent.id}/links`, { name: 'x' })).status).toBe(403)
    expect((await as(viewer, 'PATCH', `/links/${link.id}`, { enabled: false })).status).toBe(403)

    expect((await as(elsewhere, 'GET', `/agents/${agent.id}/links`)).status).toBe(403)
    expect((await as(elsewhere, 'POST', `/agents/${agent.id}/links`, { name: 'x' })).status).toBe(403)
    expect((await as(elsewhere, 'PATCH', `/links/${link.id}`, { enabled: false })).status).toBe(403)
    expect((await as(elsewhere, 'DELETE', `/links/${link.id}`)).status).toBe(403)
    expect((await as(elsewhere, 'POST', `/agents/${other.id}/links`, { name: 'mine' })).status).toBe(201)

    expect(await visit(link.token)).toBe(200)
  })
})

describe('a password link on a public agent', () => {
  it('warns that the agent id opens the agent without the password, with the one PATCH that makes it link-only', async () => {
    const exposed = await host.owner.publishedAgent({ name: 'Exposed', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const openLink = await host.owner.call('POST', `/agents/${exposed.id}/links`, { name: 'No password' })
    expect(openLink.body.warnings).toEqual([])

    const created = await host.owner.call('POST', `/agents/${exposed.id}/links`, { name: 'Guarded', password: 'guarded-pw' })
    expect(created.status).toBe(201)
    const [warning] = created.body.warnings
    expect(warning).toMatchObject({ code: 'agent_is_public', fix: { method: 'PATCH', path: `/api/v1/agents/${exposed.id}`, body: { access: 'link' } } })
    expect(warning.message).toMatch(/anyone with its id can chat without this link's password/)
    // A password added later warns too.
    expect((await patchLink(openLink.body.id, { password: 'added-later' })).body.warnings).toHaveLength(1)
    // The id does open it, as warned.
    expect((await host.post(`/api/v1/published/${exposed.id}/chat/sync`, { request: 'hi' })).status).toBe(200)

    const fixed = await host.owner.call(warning.fix.method, warning.fix.path.replace('/api/v1', ''), warning.fix.body)
    expect(fixed.status).toBe(200)
    expect(fixed.body).toMatchObject({ access: 'link', published: true, has_unpublished_changes: false })
    const refused = await host.post(`/api/v1/published/${exposed.id}/chat/sync`, { request: 'hi' })
    expect(refused.status).toBe(403)
    expect((await refused.json()).error.code).toBe('link_only')
    // The link goes on, password and all.
    expect((await host.post(`/api/v1/links/${created.body.token}/chat/sync`, { request: 'hi' })).status).toBe(401)
    expect((await host.post(`/api/v1/links/${created.body.token}/unlock`, { password: 'guarded-pw' })).status).toBe(200)
    expect((await patchLink(created.body.id, { name: 'Still guarded' })).body.warnings).toEqual([])
    // And the version was not republished by the change of access.
    expect((await host.owner.call('GET', `/agents/${exposed.id}/versions`)).body.versions).toHaveLength(1)
  })
})
