/** applyOrigin, shareWithAllowedOrigin and preflight: exact origins, Vary: Origin always, no origin no entry. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { handleError } from './errors.ts'
import { applyOrigin, CORS_ALLOW_HEADERS, preflight, shareWithAllowedOrigin } from './origins.ts'

const SITE = 'https://shop.example'

function appWith(allowed: string[]) {
  const app = new Hono()
  app.onError(handleError(() => {}))
  app.post('/chat', (c) => {
    applyOrigin(c, allowed)
    applyOrigin(c, allowed) // a second check adds no second Vary
    return c.json({ ok: true })
  })
  app.get('/file', (c) => {
    shareWithAllowedOrigin(c, allowed)
    return c.text('data')
  })
  app.options('/chat', (c) => preflight(c, allowed))
  return app
}

const chat = (allowed: string[], headers: Record<string, string> = {}) => appWith(allowed).request('/chat', { method: 'POST', headers })

async function expectRefused(response: Response) {
  expect(response.status).toBe(403)
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed')
  expect(response.headers.get('access-control-allow-origin')).toBeNull()
  expect(response.headers.get('vary')).toBe('Origin')
}

describe('applyOrigin without an allowlist', () => {
  it('lets any origin call and names it in the answer', async () => {
    const response = await chat([], { origin: 'https://anywhere.example' })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example')
    expect(response.headers.get('access-control-expose-headers')).toBe('Retry-After')
    expect(response.headers.get('vary')).toBe('Origin')
  })

  it('lets a request without an Origin through, with no CORS headers', async () => {
    const response = await chat([])
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('vary')).toBe('Origin')
  })
})

describe('applyOrigin with an allowlist', () => {
  it('lets a listed origin through', async () => {
    const response = await chat([SITE, 'http://localhost:3000'], { origin: SITE })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE)
  })

  it.each([
    'http://shop.example',
    'https://shop.example:8443',
    'https://evil.shop.example',
    'https://shop.example.evil',
    'https://shop.example/',
    'null',
    'http://localhost:3001',
  ])('refuses %s, which is not exactly a listed origin', async (origin) => {
    await expectRefused(await chat([SITE, 'http://localhost:3000'], { origin }))
  })

  it('refuses a request without an Origin', async () => {
    const response = await chat([SITE])
    await expectRefused(response)
  })

  it("lets the host's own pages through (Sec-Fetch-Site: same-origin), with or without an Origin", async () => {
    expect((await chat([SITE], { 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    const response = await chat([SITE], { 'sec-fetch-site': 'same-origin', origin: 'http://porch.local:8787' })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://porch.local:8787')
  })

  it('does not take another Sec-Fetch-Site as same-origin', async () => {
    await expectRefused(await chat([SITE], { 'sec-fetch-site': 'same-site', origin: 'https://other.example' }))
    await expectRefused(await chat([SITE], { 'sec-fetch-site': 'cross-site' }))
  })
})

describe('shareWithAllowedOrigin', () => {
  it('never refuses, and names only an allowed origin', async () => {
    const app = appWith([SITE])
    const allowed = await app.request('/file', { headers: { origin: SITE } })
    const other = await app.request('/file', { headers: { origin: 'https://other.example' } })
    const none = await app.request('/file')
    expect([allowed.status, other.status, none.status]).toEqual([200, 200, 200])
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect(none.headers.get('access-control-allow-origin')).toBeNull()
    for (const response of [allowed, other, none]) expect(response.headers.get('vary')).toBe('Origin')
  })

  it('names any origin when there is no allowlist', async () => {
    const response = await appWith([]).request('/file', { headers: { origin: 'https://other.example' } })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://other.example')
  })
})

describe('preflight', () => {
  const ask = (allowed: string[], origin?: string) => appWith(allowed).request('/chat', { method: 'OPTIONS', headers: origin ? { origin } : {} })

  it('gives an allowed origin the methods, headers and max age, in a 204', async () => {
    for (const response of [await ask([SITE], SITE), await ask([], 'https://any.example')]) {
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE')
      expect(response.headers.get('access-control-allow-headers')).toBe(CORS_ALLOW_HEADERS)
      expect(response.headers.get('access-control-max-age')).toBe('600')
      expect(response.headers.get('vary')).toBe('Origin')
      expect(await response.text()).toBe('')
    }
  })

  it('gives another origin, or none, a 204 without any CORS header', async () => {
    for (const response of [await ask([SITE], 'https://other.example'), await ask([SITE])]) {
      expect(response.status).toBe(204)
      expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
      expect(response.headers.get('vary')).toBe('Origin')
    }
  })

  it('allows the headers the widget sends', () => {
    expect(CORS_ALLOW_HEADERS.split(', ').map((name) => name.toLowerCase())).toEqual(expect.arrayContaining(['content-type', 'last-event-id', 'authorization']))
  })
})
