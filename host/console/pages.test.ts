/** The console's pages: the shell and its CSP, its built files, the preview page, and the bundle split. */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHost, type TestHost } from '../testing/harness.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

describe('the console shell', () => {
  it('answers every path under /console with the shell, its CSP and no caching', async () => {
    for (const path of ['/console', '/console/', '/console/agents/123/share', '/console/sign-in?next=%2Fconsole']) {
      const response = await host.get(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-security-policy')).toBe(CSP)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      const html = await response.text()
      expect(html).toContain('<porch-console></porch-console>')
      expect(html).toContain('<script type="module" src="/console/assets/console.js"></script>')
      expect(html).toMatch(/<title>[^<]+<\/title>/)
      // No inline script: every <script> has a src.
      expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull()
    }
  })

  it('serves the built console, revalidated by ETag, and nothing outside dist/console', async () => {
    const response = await host.get('/console/assets/console.js')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/javascript')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    const etag = response.headers.get('etag')!
    expect((await response.text()).length).toBeGreaterThan(1000)
    expect((await host.get('/console/assets/console.js', { 'if-none-match': etag })).status).toBe(304)
    for (const path of [
      '/console/assets/missing.js',
      '/console/assets/..%2Fwidget%2Fporch-chat.js',
      '/console/assets/.hidden.js',
      '/console/assets/console.ts',
    ]) {
      expect((await host.get(path)).status, path).toBe(404)
    }
  })

  it('keeps console code out of the visitor widget', () => {
    const widget = readFileSync(new URL('../../dist/widget/porch-chat.js', import.meta.url), 'utf8')
    const embed = readFileSync(new URL('../../dist/widget/embed.js', import.meta.url), 'utf8')
    const consoleJs = readFileSync(new URL('../../dist/console/console.js', import.meta.url), 'utf8')
    expect(consoleJs).toContain('porch-console')
    for (const bundle of [widget, embed]) {
      expect(bundle).not.toContain('porch-console')
      expect(bundle).not.toContain('/api/v1/console')
      expect(bundle).not.toContain('X-CSRF-Token')
    }
  })
})

describe('the widget preview', () => {
  const agent = '0f9c2b1e-4d5a-4e6f-8a7b-1c2d3e4f5a6b'
  const token = 'A'.repeat(43)

  it('renders the embed script with exactly the data attributes asked for', async () => {
    const response = await host.get(
      `/console/preview?agent=${agent}&mode=iframe&position=bottom-left&color=%23ff8800&title=Ask%20%22us%22%20%26%20more&theme=dark&lang=de&open=true`,
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toBe(CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"))
    expect(response.headers.get('cache-control')).toBe('no-store')
    const html = await response.text()
    const script = /<script [^>]*><\/script>/.exec(html)![0]
    expect(script).toContain(`src="/widget/${host.assets.version}/embed.js"`)
    expect(script).toContain(`integrity="${host.assets.get('embed.js')!.integrity}"`)
    expect(script).toContain(
      `data-agent="${agent}" data-mode="iframe" data-position="bottom-left" data-color="#ff8800" data-title="Ask &quot;us&quot; &amp; more" data-theme="dark" data-lang="de" data-open="true" async`,
    )
    const linkPage = await (await host.get(`/console/preview?link=${token}`)).text()
    expect(linkPage).toContain(`data-link="${token}" async`)
    expect(linkPage).not.toContain('data-agent')
  })

  it('rejects any parameter that is not an allowed value with 400', async () => {
    const bad = [
      '',
      `agent=${agent}&link=${token}`,
      'agent=not-a-uuid',
      `link=short`,
      `agent=${agent}&mode=popup`,
      `agent=${agent}&position=top-left`,
      `agent=${agent}&color=red`,
      `agent=${agent}&color=%23ff880`,
      `agent=${agent}&color=%23ff8800%22%3E%3Cscript%3E`,
      `agent=${agent}&title=%3Cscript%3Ealert(1)%3C%2Fscript%3E`,
      `agent=${agent}&title=${'x'.repeat(101)}`,
      `agent=${agent}&theme=sepia`,
      `agent=${agent}&lang=fr`,
      `agent=${agent}&open=yes`,
      `agent=${agent}&host=https%3A%2F%2Fevil.example`,
      `agent=${agent}&mode=inline&mode=iframe`,
    ]
    for (const query of bad) {
      const response = await host.get(`/console/preview?${query}`)
      expect(response.status, query).toBe(400)
      expect((await response.json()).error.code).toBe('invalid_request')
    }
  })
})
