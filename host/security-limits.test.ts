/**
 * Security properties 4 and 6 (see security.test.ts for the map): password guessing is throttled
 * per IP and per link with 429 + Retry-After, and the IP a limit counts is the one
 * PORCH_TRUST_PROXY says: with no trusted proxy X-Forwarded-For means nothing; with one, only the
 * entry that proxy appended (the rightmost) counts, and whatever a client prepends is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../shared/index.ts'
import { startTestHost, type TestHost } from './testing/harness.ts'

type CreatedLink = { id: string; token: string }

const hosts: TestHost[] = []
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()))
})

async function start(env: Record<string, string>) {
  const host = await startTestHost(env)
  hosts.push(host)
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  const link = async (body: Record<string, unknown> = {}): Promise<CreatedLink> => {
    const created = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Share', ...body })
    expect(created.status).toBe(201)
    return created.body
  }
  const unlock = (target: CreatedLink, password: string, headers: Record<string, string> = {}) =>
    host.post(`/api/v1/links/${target.token}/unlock`, { password }, headers)
  const chat = (headers: Record<string, string> = {}, target?: CreatedLink) =>
    host.post(target ? `/api/v1/links/${target.token}/chat/sync` : `/api/v1/published/${agent.id}/chat/sync`, { request: 'hi' }, headers)
  return { host, agent: agent as Agent, link, unlock, chat }
}

/** The response is a 429 with a usable Retry-After that matches the body's details. */
async function expectThrottled(response: Response) {
  expect(response.status).toBe(429)
  const retryAfter = response.headers.get('retry-after')
  expect(retryAfter).toMatch(/^[1-9]\d*$/)
  expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60)
  const body = await response.json()
  expect(body.error.code).toBe('rate_limited')
  expect(body.error.details.retry_after_seconds).toBe(Number(retryAfter))
}

const xff = (value: string) => ({ 'x-forwarded-for': value })

describe('property 4: password guessing is throttled per IP and per link (429 + Retry-After)', () => {
  it('stops one IP after the limit: 20 wrong passwords give 10 × 401 then 10 × 429, and the right one waits too', async () => {
    const { link, unlock } = await start({ PORCH_RATE_UNLOCK_PER_15MIN: '10' })
    const target = await link({ password: 'the-right-password' })
    const other = await link({ password: 'the-right-password' })

    const statuses: number[] = []
    for (let i = 0; i < 20; i++) {
      const response = await unlock(target, `guess-${i}`)
      statuses.push(response.status)
      if (response.status === 429) await expectThrottled(response)
    }
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(10).fill(429)])

    // Throttled means throttled: the right password, or another link, from the same IP.
    await expectThrottled(await unlock(target, 'the-right-password'))
    await expectThrottled(await unlock(other, 'the-right-password'))
  })

  it('stops guessing on one link from many IPs, without closing other links', async () => {
    // 2 per IP and 5 × 2 = 10 per link; the proxy hop makes each X-Forwarded-For a different IP.
    const { link, unlock } = await start({ PORCH_RATE_UNLOCK_PER_15MIN: '2', PORCH_TRUST_PROXY: '1' })
    const target = await link({ password: 'the-right-password' })
    const other = await link({ password: 'the-right-password' })

    const statuses: number[] = []
    for (let i = 1; i <= 12; i++) statuses.push((await unlock(target, 'wrong', xff(`198.51.100.${i}`))).status)
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429])
    await expectThrottled(await unlock(target, 'the-right-password', xff('198.51.100.200')))

    expect((await unlock(other, 'the-right-password', xff('198.51.100.201'))).status).toBe(200)
  })
})

describe('property 6: the client IP honours only PORCH_TRUST_PROXY hops', () => {
  const SPOOFS: Record<string, string>[] = [
    xff('203.0.113.99'),
    xff('10.0.0.1, 203.0.113.98'),
    { 'x-real-ip': '203.0.113.97' },
    { forwarded: 'for=203.0.113.96' },
    xff('unknown'),
  ]

  describe('with PORCH_TRUST_PROXY=0', () => {
    let env: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      env = await start({ PORCH_TRUST_PROXY: '0', PORCH_RATE_UNLOCK_PER_15MIN: '3', PORCH_RATE_CHAT_PER_MINUTE: '3' })
    })

    it('a spoofed X-Forwarded-For does not reset the password limit', async () => {
      const target = await env.link({ password: 'the-right-password' })
      for (let i = 0; i < 3; i++) expect((await env.unlock(target, 'wrong')).status).toBe(401)
      for (const headers of SPOOFS) await expectThrottled(await env.unlock(target, 'wrong', headers))
    })

    it('a spoofed X-Forwarded-For does not reset the chat limit', async () => {
      for (let i = 0; i < 3; i++) expect((await env.chat()).status).toBe(200)
      for (const headers of SPOOFS) await expectThrottled(await env.chat(headers))
    })

    it('a spoofed X-Forwarded-For does not reset a visitor’s daily quota', async () => {
      const target = await env.link({ quota_per_visitor_per_day: 1 })
      expect((await env.chat({}, target)).status).toBe(200)
      const spoofed = await env.chat(xff('203.0.113.50'), target)
      expect(spoofed.status).toBe(429)
      expect((await spoofed.json()).error.code).toBe('quota_exceeded')
    })
  })

  describe('with PORCH_TRUST_PROXY=1', () => {
    let env: Awaited<ReturnType<typeof start>>
    beforeAll(async () => {
      env = await start({ PORCH_TRUST_PROXY: '1', PORCH_RATE_UNLOCK_PER_15MIN: '3', PORCH_RATE_CHAT_PER_MINUTE: '3' })
    })
    // What the proxy sends for client 203.0.113.7, and for that client when it wrote its own header first.
    const client = xff('203.0.113.7')
    const prepended = [xff('198.51.100.1, 203.0.113.7'), xff('1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.7'), xff('unknown,203.0.113.7')]

    it('counts the rightmost entry: entries a client prepends do not reset the password limit', async () => {
      const target = await env.link({ password: 'the-right-password' })
      for (let i = 0; i < 3; i++) expect((await env.unlock(target, 'wrong', client)).status).toBe(401)
      await expectThrottled(await env.unlock(target, 'wrong', client))
      for (const headers of prepended) await expectThrottled(await env.unlock(target, 'wrong', headers))

      // Another client behind the same proxy, and the proxy's own address, still get their tries.
      expect((await env.unlock(target, 'the-right-password', xff('203.0.113.8'))).status).toBe(200)
      expect((await env.unlock(target, 'the-right-password')).status).toBe(200)
    })

    it('gives each client behind the proxy its own daily link quota, password or not, however often it unlocks', async () => {
      for (const password of [undefined, 'quota-password']) {
        const target = await env.link({ quota_per_visitor_per_day: 1, ...(password && { password }) })
        const tokenFor = async (headers: Record<string, string>): Promise<Record<string, string>> => {
          if (!password) return {}
          const unlocked = await env.unlock(target, password, headers)
          expect(unlocked.status).toBe(200)
          return { authorization: `Bearer ${(await unlocked.json()).token}` }
        }
        const first = xff('203.0.113.30')
        const second = xff('203.0.113.31')
        expect((await env.chat({ ...first, ...(await tokenFor(first)) }, target)).status).toBe(200)
        const again = await env.chat({ ...first, ...(await tokenFor(first)) }, target)
        expect(again.status).toBe(429)
        expect((await again.json()).error.code).toBe('quota_exceeded')
        expect((await env.chat({ ...second, ...(await tokenFor(second)) }, target)).status).toBe(200)
      }
    })

    it('counts the rightmost entry for the chat limit too', async () => {
      const chatter = xff('203.0.113.20')
      for (let i = 0; i < 3; i++) expect((await env.chat(chatter)).status).toBe(200)
      await expectThrottled(await env.chat(xff('192.0.2.1, 203.0.113.20')))
      await expectThrottled(await env.chat(xff('192.0.2.2,192.0.2.3,203.0.113.20')))
      expect((await env.chat(xff('203.0.113.21'))).status).toBe(200)
    })
  })
})
