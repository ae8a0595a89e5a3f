/**
 * What the widget must never do, in Chromium: loop on a 429, run anything a model writes,
 * break its hosted page's CSP; and what it must do for keyboard users.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../host/testing/fake-providers.ts'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { inlineChatHtml, say, scriptSnippet, startPorch, waitForAnswer } from '../testing/e2e.ts'

const HOSTILE = [
  'Hello <img src=x onerror="window.__pwned=1"> and <svg onload="window.__pwned=2"><circle/></svg>\n\n',
  '<script>window.__pwned=3</script> <iframe src="javascript:window.__pwned=4"></iframe>\n\n',
  '[click](javascript:window.__pwned=5) [data](data:text/html,<script>parent.__pwned=6</script>) ',
  '[tab](java\tscript:window.__pwned=7) ![pixel](https://tracker.example/pixel.png) ',
  '<a href="#" onclick="window.__pwned=8" style="position:fixed;inset:0">x</a> ',
  '<style>*{display:none!important}</style> <div style="background:url(javascript:alert(1))">css</div>\n\n',
  '[fine](https://example.com/ok) and <b onmouseover=window.__pwned=9>bold?</b>',
]

let browser: Browser
let host: TestHost
let model: FakeProvider
beforeAll(async () => {
  model = await startFakeOpenAI([{ text: HOSTILE }])
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
  await model?.close()
})

describe('hostile model output', () => {
  it('renders as text and links that are safe, and executes nothing', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:hostile' })
    const { page, errors, requests, close } = await openPage(browser, { html: scriptSnippet(host, { agent: agent.id }, 'data-open="true"') })
    try {
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'attack me')
      const [, answer] = await waitForAnswer(page)
      expect(answer!.state).toBe('done')
      await page.locator('porch-chat .message.assistant a').first().hover()
      await page.waitForTimeout(300)

      const report = await page.evaluate(() => {
        const root = document.querySelector('porch-chat')!.shadowRoot!
        const answer = [...root.querySelectorAll('.message.assistant')].at(-1)!
        const tags = new Set([...answer.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))
        const attributes = new Set([...answer.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name)))
        const links = [...answer.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.rel, target: a.target }))
        return { pwned: (window as unknown as { __pwned?: number }).__pwned, tags: [...tags], attributes: [...attributes], links, text: answer.textContent }
      })
      expect(report.pwned).toBeUndefined()
      for (const tag of ['img', 'svg', 'script', 'iframe', 'style', 'object', 'embed']) expect(report.tags).not.toContain(tag)
      expect(report.attributes.filter((a) => a.startsWith('on') || a === 'style' || a === 'src')).toEqual([])
      expect(report.links.length).toBeGreaterThan(0)
      for (const link of report.links) {
        expect(link.href).toMatch(/^(https?:|mailto:)/)
        expect(link).toMatchObject({ rel: 'noopener noreferrer', target: '_blank' })
      }
      expect(report.links.map((l) => l.href)).toContain('https://example.com/ok')
      expect(report.text).toContain('<script>window.') // raw HTML stays visible text (markdown reads __x__ as bold)
      expect(requests.filter((u) => u.includes('tracker.example'))).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await close()
    }
  })
})

describe('a rate-limited host', () => {
  let limited: Server
  let limitedUrl = ''
  let chatPosts = 0
  let retryAfter = '30'
  let refusal = { code: 'rate_limited', message: 'Slow down: 3 messages a minute.' }
  let infoDelayMs = 0
  beforeAll(async () => {
    // A host that answers every chat with 429 and Retry-After, as a rate limiter does.
    limited = createServer((req, res) => {
      const cors = {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-allow-headers': 'content-type, last-event-id',
        'access-control-expose-headers': 'retry-after',
      }
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end()
      if (req.method === 'GET') {
        const info = JSON.stringify({
          id: 'a',
          name: 'Busy agent',
          description: '',
          api_response_mode: 'streaming',
          welcome_message: '',
          starters: [],
          requires_password: false,
        })
        return void setTimeout(() => res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(info), infoDelayMs)
      }
      chatPosts++
      res.writeHead(429, { ...cors, 'content-type': 'application/json', 'retry-after': retryAfter })
      res.end(JSON.stringify({ error: refusal }))
    })
    await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve))
    limitedUrl = `http://127.0.0.1:${(limited.address() as AddressInfo).port}`
  })
  afterAll(() => {
    limited.closeAllConnections()
    limited.close()
  })

  it('shows the host’s message, honours Retry-After and never retries by itself', async () => {
    const { page, close } = await openPage(browser, { html: inlineChatHtml(host, limitedUrl, '00000000-0000-4000-8000-000000000000') })
    try {
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'one more please')
      const [, answer] = await waitForAnswer(page)
      expect(answer!.state).toBe('error')
      const error = page.locator('porch-chat [part="error"]')
      await error.getByText('Slow down: 3 messages a minute.').waitFor()
      await error.getByText(/You can send again in (29|30) s/).waitFor()
      expect(await page.locator('porch-chat [part="retry-button"]').isDisabled()).toBe(true)
      await page.waitForTimeout(1500)
      expect(chatPosts).toBe(1)
    } finally {
      await close()
    }
  })

  it('closes the popup with Esc from the launcher while the chat is still loading', async () => {
    infoDelayMs = 3000
    const html = `<porch-chat host="${limitedUrl}" agent="00000000-0000-4000-8000-000000000000"></porch-chat>
      <script type="module" src="${host.url}/widget/${host.assets.version}/porch-chat.js"></script>`
    const { page, close } = await openPage(browser, { html })
    try {
      await page.locator('porch-chat [part="launcher"]').click()
      await page.locator('porch-chat .panel.open').waitFor()
      // Still loading: the input is disabled, so focus stays on the launcher.
      expect(await page.locator('porch-chat textarea').isDisabled()).toBe(true)
      await page.keyboard.press('Escape')
      await page.locator('porch-chat .panel.open').waitFor({ state: 'detached' })
      expect(await page.evaluate(() => document.querySelector('porch-chat')?.shadowRoot?.activeElement?.getAttribute('part'))).toBe('launcher')
    } finally {
      infoDelayMs = 0
      await close()
    }
  })

  it('names the clock time for a long wait (a daily quota), not hours of seconds', async () => {
    retryAfter = '7200'
    refusal = { code: 'quota_exceeded', message: 'You have used all your messages through this link for today.' }
    const { page, close } = await openPage(browser, { html: inlineChatHtml(host, limitedUrl, '00000000-0000-4000-8000-000000000000') })
    try {
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'another one')
      await waitForAnswer(page)
      const error = page.locator('porch-chat [part="error"]')
      await error.getByText('for today').waitFor()
      await error.getByText(/You can send again at /).waitFor()
      // The page's own clock two hours on (either side of a minute turning while the test ran).
      const candidates = await page.evaluate(() =>
        [0, 5_000].map((ago) => new Date(Date.now() - ago + 7_200_000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
      )
      const note = (await error.textContent()) ?? ''
      expect(
        candidates.some((time) => note.includes(`You can send again at ${time}.`)),
        note,
      ).toBe(true)
      expect(note).not.toMatch(/\d+ s\./)
      expect(await page.locator('porch-chat [part="retry-button"]').isDisabled()).toBe(true)
    } finally {
      retryAfter = '30'
      refusal = { code: 'rate_limited', message: 'Slow down: 3 messages a minute.' }
      await close()
    }
  })
})

describe('the hosted chat page', () => {
  it('works under its CSP (no inline script) with no violation', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', welcome_message: 'Hosted hello' })
    const response = await host.get(`/published/${agent.id}`)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/) // every script is a file

    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const violations: string[] = []
      await page.exposeFunction('__cspViolation', (v: string) => violations.push(v))
      await page.addInitScript(() =>
        document.addEventListener('securitypolicyviolation', (e) =>
          (window as unknown as { __cspViolation(v: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`),
        ),
      )
      await page.goto(`${host.url}/published/${agent.id}`)
      await page.getByText('Hosted hello').waitFor()
      await say(page, 'Hi from the hosted page')
      const [, answer] = await waitForAnswer(page)
      expect(answer!.text).toContain('> Hi from the hosted page')
      expect(violations).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('sends the agent’s info with the page (a preload the widget uses), not a round trip after its script', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', welcome_message: 'Preloaded hello' })
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Open' })).body
    const locked = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Locked', password: 'club-secret' })).body
    expect(await (await host.get(`/l/${locked.token}`)).text()).not.toContain('rel="preload"') // the password comes first

    const context = await browser.newContext()
    try {
      for (const [path, info] of [
        [`/published/${agent.id}`, `/api/v1/published/${agent.id}`],
        [`/l/${link.token}`, `/api/v1/links/${link.token}`],
      ]) {
        const page = await context.newPage()
        const infoRequests: string[] = []
        page.on('request', (request) => void (new URL(request.url()).pathname === info && infoRequests.push(request.method())))
        await page.goto(`${host.url}${path}`)
        await page.getByText('Preloaded hello').waitFor()
        // One request for the info: the preload's, which the widget's fetch took (two when not).
        expect(infoRequests).toEqual(['GET'])
        await page.close()
      }
    } finally {
      await context.close()
    }
  })

  it('opens in an iframe from the script tag with data-mode="iframe"', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', welcome_message: 'Framed hello' })
    const { page, close } = await openPage(browser, { html: scriptSnippet(host, { agent: agent.id }, 'data-mode="iframe"') })
    try {
      await page.locator('[data-porch-embed] button').click()
      const frame = page.frameLocator('[data-porch-embed] iframe')
      await frame.getByText('Framed hello').waitFor()
      expect(await page.locator('porch-chat').count()).toBe(0) // no component on the customer's page
    } finally {
      await close()
    }
  })
})

describe('keyboard use', () => {
  it('opens from the keyboard, traps Tab in the popup, and Esc returns focus to the launcher', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const { page, close } = await openPage(browser, { html: `<button id="before">before</button>${scriptSnippet(host, { agent: agent.id })}` })
    try {
      await page.locator('[data-porch-embed] button').click()
      await page.locator('porch-chat .panel.open').waitFor()
      // From inside the loaded popup (Esc from the launcher while it loads has its own test).
      await page.waitForFunction(() => document.querySelector('porch-chat')?.shadowRoot?.activeElement?.tagName === 'TEXTAREA')
      await page.keyboard.press('Escape')
      await page.waitForFunction(() => document.querySelector('porch-chat')?.shadowRoot?.activeElement?.getAttribute('part') === 'launcher')
      await page.keyboard.press('Enter')
      await page.waitForFunction(() => document.querySelector('porch-chat')?.shadowRoot?.activeElement?.tagName === 'TEXTAREA')
      for (let i = 0; i < 8; i++) await page.keyboard.press('Tab')
      const inside = await page.evaluate(
        () => document.activeElement?.tagName === 'PORCH-CHAT' && !!document.querySelector('porch-chat')!.shadowRoot!.activeElement?.closest('.panel'),
      )
      expect(inside).toBe(true)
      expect(await page.locator('porch-chat [role="log"]').count()).toBe(1)
      expect(await page.locator('porch-chat label[for="input"]').count()).toBe(1)
    } finally {
      await close()
    }
  })
})
