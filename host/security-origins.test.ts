/**
 * Security property 7 (see security.test.ts for the map): origin allowlists fail closed, and
 * `frame-ancestors` is per agent and per link. An allowlist admits only its exact origins (a
 * missing Origin is refused too), answers them with `Access-Control-Allow-Origin` and
 * `Vary: Origin`, applies to every visitor route of the agent or link (info, chat, history,
 * unlock, preflight), and a link's own list replaces its agent's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../shared/index.ts'
import { startTestHost, type TestHost } from './testing/harness.ts'

type CreatedLink = { id: string; token: string }

const SHOP = 'https://shop.example'
const BLOG = 'https://blog.example:8443'
const EVIL = 'https://evil.example'
/** Origins that look like SHOP but are not it. */
const LOOKALIKES = [
  'http://shop.example',
  'https://shop.example:444',
  'https://shop.example.evil.example',
  'https://sub.shop.example',
  'https://SHOP.example',
  'null',
  `${SHOP}/`,
  `${SHOP}, ${EVIL}`,
]

let host: TestHost
beforeAll(async () => {
  host = await startTestHost({ PORCH_RATE_UNLOCK_PER_15MIN: '1000' })
})
afterAll(async () => {
  await host?.stop()
})

async function agentWith(origins: string[]): Promise<Agent> {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  if (origins.length > 0) await host.owner.updateAgent(agent.id, { allowed_origins: origins })
  return agent
}

async function linkOf(agent: Agent, body: Record<string, unknown> = {}): Promise<CreatedLink> {
  const created = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Share', ...body })
  expect(created.status).toBe(201)
  return created.body
}

const from = (origin: string | undefined): Record<string, string> => (origin === undefined ? {} : { origin })

/** The response admits `origin` for CORS and says the answer depends on Origin. */
function expectAdmitted(response: Response, origin: string | undefined) {
  expect(response.status, `status for ${origin}`).toBeLessThan(300)
  expect(response.headers.get('vary') ?? '').toMatch(/\bOrigin\b/i)
  expect(response.headers.get('access-control-allow-origin')).toBe(origin ?? null)
}

async function expectRefused(response: Response, origin: string | undefined) {
  expect(response.status, `status for ${origin}`).toBe(403)
  expect(response.headers.get('access-control-allow-origin')).toBeNull()
  expect((await response.json()).error.code).toBe('origin_not_allowed')
}

const frameAncestors = async (path: string) => {
  const response = await host.get(path)
  expect(response.status).toBe(200)
  return /(?:^|; )frame-ancestors ([^;]+)/.exec(response.headers.get('content-security-policy') ?? '')?.[1]
}

describe('property 7: origin allowlists fail closed; frame-ancestors is per agent and per link', () => {
  describe('an agent with allowed origins', () => {
    let agent: Agent
    beforeAll(async () => {
      agent = await agentWith([SHOP, BLOG])
    })
    const info = (origin?: string) => host.get(`/api/v1/published/${agent.id}`, from(origin))
    const chat = (origin?: string) => host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'hi', session_id: 'origin-test' }, from(origin))

    it('answers its listed origins, echoing each one with Vary: Origin', async () => {
      for (const origin of [SHOP, BLOG]) {
        expectAdmitted(await info(origin), origin)
        expectAdmitted(await chat(origin), origin)
      }
      expectAdmitted(await host.get(`/api/v1/published/${agent.id}/sessions/origin-test`, from(SHOP)), SHOP)
      // The session's event stream (human takeover) answers the same origins.
      const events = await host.get(`/api/v1/published/${agent.id}/sessions/origin-test/events`, from(BLOG))
      expectAdmitted(events, BLOG)
      await events.body?.cancel()
    })

    it('refuses an unlisted origin, a lookalike and a missing Origin with 403, before any run', async () => {
      for (const origin of [EVIL, ...LOOKALIKES, undefined]) {
        await expectRefused(await info(origin), origin)
        await expectRefused(await chat(origin), origin)
        await expectRefused(await host.get(`/api/v1/published/${agent.id}/sessions/origin-test`, from(origin)), origin)
        await expectRefused(await host.get(`/api/v1/published/${agent.id}/sessions/origin-test/events`, from(origin)), origin)
        // A user token does not open an unlisted origin either (the origin is checked first).
        await expectRefused(await host.get(`/api/v1/published/${agent.id}/conversations`, { ...from(origin), 'X-Porch-User-Token': 'any' }), origin)
      }
      const traces = (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces as { session_id: string }[]
      expect(traces).toHaveLength(2) // the two admitted chats above, nothing more
    })

    it('answers a preflight only for listed origins', async () => {
      const preflight = (origin: string) =>
        fetch(`${host.url}/api/v1/published/${agent.id}/chat`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        })
      const listed = await preflight(SHOP)
      expect(listed.headers.get('access-control-allow-origin')).toBe(SHOP)
      expect(listed.headers.get('access-control-allow-methods')).toContain('POST')
      expect(listed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type')
      expect(listed.headers.get('vary')).toMatch(/\bOrigin\b/i)
      for (const origin of [EVIL, ...LOOKALIKES]) {
        const refused = await preflight(origin)
        expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull()
        expect(refused.headers.get('access-control-allow-methods'), origin).toBeNull()
      }
    })

    it('applies a change of the list on the next request, without a new publish', async () => {
      const changing = await agentWith([SHOP])
      expectAdmitted(await host.get(`/api/v1/published/${changing.id}`, from(SHOP)), SHOP)
      await host.owner.updateAgent(changing.id, { allowed_origins: [BLOG] })
      await expectRefused(await host.get(`/api/v1/published/${changing.id}`, from(SHOP)), SHOP)
      expectAdmitted(await host.get(`/api/v1/published/${changing.id}`, from(BLOG)), BLOG)
    })
  })

  it('lets any origin (and none) use an agent without a list, still with Vary: Origin', async () => {
    const open = await agentWith([])
    for (const origin of [EVIL, SHOP]) expectAdmitted(await host.get(`/api/v1/published/${open.id}`, from(origin)), origin)
    expectAdmitted(await host.get(`/api/v1/published/${open.id}`), undefined)
  })

  describe('links', () => {
    it('inherit the agent’s list when they have none, and replace it with their own', async () => {
      const agent = await agentWith([SHOP])
      const inheriting = await linkOf(agent)
      const own = await linkOf(agent, { allowed_origins: [BLOG] })
      const say = (link: CreatedLink, origin?: string) => host.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, from(origin))

      expectAdmitted(await say(inheriting, SHOP), SHOP)
      for (const origin of [BLOG, EVIL, undefined]) await expectRefused(await say(inheriting, origin), origin)

      expectAdmitted(await say(own, BLOG), BLOG)
      for (const origin of [SHOP, EVIL, undefined]) await expectRefused(await say(own, origin), origin)
      await expectRefused(await host.get(`/api/v1/links/${own.token}`, from(SHOP)), SHOP)
    })

    it('refuse an unlock from outside the effective list, whether it is the link’s or the agent’s', async () => {
      const agent = await agentWith([SHOP])
      const inheriting = await linkOf(agent, { password: 'origin-password' })
      const own = await linkOf(agent, { password: 'origin-password', allowed_origins: [BLOG] })
      const unlock = (link: CreatedLink, origin?: string) => host.post(`/api/v1/links/${link.token}/unlock`, { password: 'origin-password' }, from(origin))

      expectAdmitted(await unlock(own, BLOG), BLOG)
      for (const origin of [SHOP, EVIL, undefined]) await expectRefused(await unlock(own, origin), origin)

      expectAdmitted(await unlock(inheriting, SHOP), SHOP)
      for (const origin of [BLOG, EVIL, undefined]) await expectRefused(await unlock(inheriting, origin), origin)
    })

    it('let a listed origin read a refusal (so its widget can ask for the password), and nobody else', async () => {
      const agent = await agentWith([])
      const link = await linkOf(agent, { password: 'origin-password', allowed_origins: [SHOP] })
      const listed = await host.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, from(SHOP))
      expect(listed.status).toBe(401)
      expect(listed.headers.get('access-control-allow-origin')).toBe(SHOP)
      expect(listed.headers.get('vary')).toMatch(/\bOrigin\b/i)
      expect((await listed.json()).error.code).toBe('password_required')

      const unlisted = await host.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, from(EVIL))
      expect([401, 403]).toContain(unlisted.status)
      expect(unlisted.headers.get('access-control-allow-origin')).toBeNull()
    })
  })

  it('admits the hosted pages’ own requests, which are same-origin, to an agent or link with a list', async () => {
    // What Chromium sends from /published/{id} and /l/{token}: a GET without Origin, a POST with the host's own.
    const agent = await agentWith([SHOP])
    const link = await linkOf(agent)
    const self = new URL(host.url).origin
    const sameOriginGet = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }
    const sameOriginPost = { origin: self, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }
    for (const base of [`/api/v1/published/${agent.id}`, `/api/v1/links/${link.token}`]) {
      expect((await host.get(base, sameOriginGet)).status, base).toBe(200)
      expect((await host.post(`${base}/chat/sync`, { request: 'hi' }, sameOriginPost)).status, base).toBe(200)
      // Another site cannot pass for the host by leaving Origin out.
      await expectRefused(await host.get(base, { 'sec-fetch-site': 'cross-site' }), undefined)
    }
  })

  describe('frame-ancestors', () => {
    it('lists exactly the agent’s origins on its page, and allows any framing without a list', async () => {
      expect(await frameAncestors(`/published/${(await agentWith([SHOP, BLOG])).id}`)).toBe(`${SHOP} ${BLOG}`)
      expect(await frameAncestors(`/published/${(await agentWith([])).id}`)).toBe('*')
    })

    it('lists the link’s own origins, else its agent’s, on the link page, and follows changes at once', async () => {
      const listed = await agentWith([SHOP])
      const own = await linkOf(listed, { allowed_origins: [BLOG] })
      expect(await frameAncestors(`/l/${own.token}`)).toBe(BLOG)
      expect(await frameAncestors(`/l/${(await linkOf(listed)).token}`)).toBe(SHOP)
      expect(await frameAncestors(`/l/${(await linkOf(await agentWith([]))).token}`)).toBe('*')

      await host.owner.call('PATCH', `/links/${own.id}`, { allowed_origins: [EVIL] })
      expect(await frameAncestors(`/l/${own.token}`)).toBe(EVIL)
      await host.owner.updateAgent(listed.id, { allowed_origins: [BLOG] })
      expect(await frameAncestors(`/published/${listed.id}`)).toBe(BLOG)
    })
  })
})
