/**
 * The owner's whole journey through the console in Chromium, against a real host: sign in,
 * create an agent, edit its draft, try it, publish, create a password link with an expiry,
 * copy its script snippet (through the Copy button and the clipboard) into a page of another
 * origin, where a visitor in a fresh browser context unlocks and chats; the owner then sees
 * the session, its transcript and its trace, deletes the link, and the visitor's next message
 * is refused.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage, type OpenedPage } from '../testing/browser.ts'
import { say, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'
import { feedback, freePort, signIn } from './e2e-helpers.ts'

const PASSWORD = 'open sesame 42'

let browser: Browser
let host: TestHost
let owner: BrowserContext
let page: Page
let visitor: OpenedPage | undefined

beforeAll(async () => {
  // The snippet names PORCH_PUBLIC_URL; it must be this host's 127.0.0.1 address, the only one the
  // visitor's browser may reach (the harness blocks every other host name).
  const port = await freePort()
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ PORT: String(port), PORCH_PUBLIC_URL: `http://127.0.0.1:${port}`, PORCH_RATE_UNLOCK_PER_15MIN: '100' })])
  owner = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url })
  page = await owner.newPage()
})
afterAll(async () => {
  await visitor?.close()
  await owner?.close()
  await browser?.close()
  await host?.stop()
})

describe('the owner journey in the console', () => {
  let agentId = ''
  let snippet = ''

  it('signs in with the admin token and lands on the agents page', async () => {
    await signIn(page, `${host.url}/console/`)
    await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor()
    expect(await page.locator('.who').innerText()).toContain('owner')
    // The token went into an HttpOnly cookie, not into any storage a script can read.
    const storage = await page.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie }))
    expect(storage).toEqual({ local: [], session: [], cookie: '' })
    const cookies = await owner.cookies(host.url)
    expect(cookies.find((c) => c.name === 'porch_console')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
  })

  it('creates an agent and edits its draft', async () => {
    await page.getByRole('link', { name: 'New agent' }).click()
    await page.getByLabel('Name').fill('Garden helper')
    await page.getByLabel('Description').fill('Answers questions about the garden')
    await page.getByLabel('Instructions').fill('Be brief.')
    await page.getByRole('button', { name: 'Create agent' }).click()
    await page.getByRole('button', { name: 'Save draft' }).waitFor()
    agentId = /\/console\/agents\/([^/]+)\/edit$/.exec(new URL(page.url()).pathname)![1]!
    expect((await host.owner.call('GET', `/agents/${agentId}`)).body).toMatchObject({ name: 'Garden helper', instructions: 'Be brief.' })

    await page.getByLabel('Model id').fill('instant')
    await page.getByLabel('Welcome message').fill('Hello, gardener!')
    await page.getByLabel('Starter prompts').fill('What should I plant?\nWhen do I water?')
    await page.getByLabel('Temperature').fill('0.3')
    await page.getByLabel(/Clock/).check()
    await page.getByRole('button', { name: 'Save draft' }).click()
    await feedback(page, 'Saved.')
    const saved = (await host.owner.call('GET', `/agents/${agentId}`)).body
    expect(saved).toMatchObject({ model: 'demo:instant', welcome_message: 'Hello, gardener!', starters: ['What should I plant?', 'When do I water?'], temperature: 0.3, tools: [{ type: 'builtin', name: 'current_time' }] })
  })

  it('shows the host’s reason when a save fails', async () => {
    await page.getByLabel('Provider').selectOption('openai')
    await page.getByLabel('Model id').fill('bad model with spaces')
    await page.getByRole('button', { name: 'Save draft' }).click()
    const text = await feedback(page, /^Failed: /)
    expect(text).toMatch(/model/)
    await page.reload()
    await page.getByRole('button', { name: 'Save draft' }).waitFor()
    expect(await page.getByLabel('Model id').inputValue()).toBe('instant')
  })

  it('tries the draft without touching public traffic', async () => {
    await page.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Try it' }).click()
    await page.getByText('Hello, gardener!').waitFor()
    await page.getByLabel('Message', { exact: true }).fill('Hello draft')
    await page.getByLabel('Message', { exact: true }).press('Enter')
    const answer = page.locator('.chat-log .msg.assistant[data-state="done"]')
    await answer.waitFor()
    expect(await answer.innerText()).toContain('Hello draft')
    // Not published yet: the public API still refuses the agent.
    expect((await host.get(`/api/v1/published/${agentId}`)).status).toBe(404)
  })

  it('publishes the draft with a change description after showing what changes', async () => {
    await page.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Publish' }).click()
    await page.getByText('Nothing is published yet').waitFor()
    await page.getByRole('heading', { name: 'Welcome message' }).waitFor()
    await page.getByLabel('Change description').fill('First version')
    await page.getByLabel('Share links only').check()
    await page.getByRole('button', { name: 'Publish', exact: true }).click()
    await feedback(page, 'Published version 1.')
    await page.getByRole('region', { name: 'Versions' }).getByText('First version').waitFor()
    await page.getByText('The draft equals the active version v1').waitFor()
    expect((await host.owner.call('GET', `/agents/${agentId}`)).body).toMatchObject({ published: true, active_version: 1, access: 'link' })
  })

  it('creates a password link with an expiry and copies its script snippet', async () => {
    await page.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Share' }).click()
    await page.getByLabel('Link name').fill('Partner page')
    await page.getByLabel('Require a password').check()
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
    await page.getByLabel('Expires').selectOption('custom')
    const expiry = new Date(Date.now() + 3 * 86_400_000)
    const local = new Date(expiry.getTime() - expiry.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
    await page.getByLabel('Expiry date and time').fill(local)
    await page.getByLabel('Messages per visitor per day').fill('50')
    await page.getByRole('button', { name: 'Create link' }).click()
    await feedback(page, 'Link created')

    const links = (await host.owner.call('GET', `/agents/${agentId}/links`)).body.links
    expect(links).toHaveLength(1)
    expect(links[0]).toMatchObject({ name: 'Partner page', has_password: true, quota_per_visitor_per_day: 50 })
    expect(Math.abs(Date.parse(links[0].expires_at) - Date.parse(`${local}:00`))).toBeLessThan(60_000)

    const fresh = page.getByRole('region', { name: /Share “Partner page”/ })
    await fresh.getByRole('img', { name: /QR code/ }).waitFor()
    expect(await fresh.getByRole('img', { name: /QR code/ }).getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    // The live preview runs the real embed.js with the snippet's options.
    await fresh.getByLabel('Open on load').check()
    const frame = page.frameLocator('iframe.preview-frame').first()
    await frame.locator('porch-chat [part="password-form"]').waitFor()

    await fresh.getByRole('button', { name: 'Copy script snippet' }).click()
    await feedback(page, 'Script snippet copied.', fresh)
    snippet = await page.evaluate(() => navigator.clipboard.readText())
    expect(snippet).toMatch(/^<script src="http:\/\/127\.0\.0\.1:\d+\/widget\/[^"]+\/embed\.js" integrity="sha384-[^"]+" crossorigin="anonymous" data-link="[A-Za-z0-9_-]{43}" data-open="true" async><\/script>$/)
    await page.getByRole('region', { name: 'Share links' }).getByRole('cell', { name: 'Partner page', exact: true }).waitFor()
  })

  it('lets a visitor on another origin unlock the link and chat', async () => {
    visitor = await openPage(browser, { html: `<h1>Partner</h1>${snippet}` })
    expect(new URL(visitor.url).origin).not.toBe(new URL(host.url).origin)
    const form = visitor.page.locator('porch-chat [part="password-form"]')
    await form.waitFor()
    await form.locator('input[type="password"]').fill(PASSWORD)
    await form.locator('button[type="submit"]').click()
    await visitor.page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(visitor.page, 'Hello from the partner page, what time is it?')
    const [question, answer] = await waitForAnswer(visitor.page)
    expect(question).toMatchObject({ role: 'user', text: 'Hello from the partner page, what time is it?' })
    expect(answer).toMatchObject({ role: 'assistant', state: 'done' })
  })

  it('shows the owner the visitor’s session, its transcript and its trace', async () => {
    await page.getByRole('link', { name: 'Watch sessions and traces' }).click()
    const sessions = page.getByRole('region', { name: 'Sessions' })
    await sessions.getByText('Link: Partner page').waitFor()
    expect(await sessions.locator('tbody tr').count()).toBe(1) // the try-it chat is not public traffic
    await sessions.getByText('Hello from the partner page').waitFor()
    // The visitor's request, and the owner's try-it run of the draft, each labelled with its source.
    const traces = page.getByRole('region', { name: 'Traces' })
    const linkTrace = traces.locator('tbody tr', { hasText: 'Link: Partner page' })
    await linkTrace.getByText('success').waitFor()
    await traces.locator('tbody tr', { hasText: 'Try it (draft)' }).waitFor()
    expect(await traces.locator('tbody tr').count()).toBe(2)

    await sessions.getByRole('link', { name: /open transcript/ }).click()
    await page.getByRole('heading', { name: 'Transcript' }).waitFor()
    const messages = page.getByRole('list', { name: 'Messages' })
    await messages.getByText('Hello from the partner page, what time is it?', { exact: true }).waitFor()
    expect(await messages.locator('li').count()).toBe(2)
    // The tool call, with its input and result, folded into the agent's answer.
    const tool = messages.locator('details.tool')
    await tool.getByText('current_time').click()
    expect(await tool.innerText()).toMatch(/Input[\s\S]*Result/)
    const trace = page.getByRole('region', { name: 'Traces of this session' })
    await trace.getByText('success').waitFor()
    expect(await trace.locator('tbody tr td.num').first().innerText()).toMatch(/\d+(\.\d+)? m?s/)
  })

  it('deletes the link, and the visitor’s next message is refused', async () => {
    await page.goto(`${host.url}/console/agents/${agentId}/share`)
    const row = page.getByRole('region', { name: 'Share links' }).locator('tr', { hasText: 'Partner page' })
    await row.getByRole('button', { name: 'Delete Partner page' }).click()
    await row.getByRole('button', { name: 'Yes, delete' }).click()
    await feedback(page, 'Partner page is deleted')
    await page.getByText('No links yet.').waitFor()

    await say(visitor!.page, 'Are you still there?')
    const messages = await waitForAnswer(visitor!.page)
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', state: 'error' })
    const error = visitor!.page.locator('porch-chat [part="error"]').last()
    await error.waitFor({ state: 'visible' })
    expect(await error.innerText()).toMatch(/link/i)
    expect((await transcript(visitor!.page)).filter((m) => m.role === 'assistant' && m.state === 'done')).toHaveLength(1)
  })

  it('signs out, and the cookie no longer opens the owner API', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Admin token or owner key').waitFor()
    const status = await page.evaluate(async () => (await fetch('/api/v1/agents')).status)
    expect(status).toBe(401)
  })
})
