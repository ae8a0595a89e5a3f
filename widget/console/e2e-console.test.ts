/**
 * The owner's whole journey through the console in Chromium, against a real host: sign in,
 * create an agent, edit its draft, try it, publish, create a password link with an expiry,
 * copy its script snippet (through the Copy button and the clipboard) into a page of another
 * origin, where a visitor in a fresh browser context unlocks and chats; the owner then sees
 * the session, its transcript and its trace, deletes the link, and the visitor's next message
 * is refused.
 */
import { readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, type OpenedPage, openPage } from '../testing/browser.ts'
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
  ;[browser, host] = await Promise.all([
    launchBrowser(),
    startPorch({ PORT: String(port), PORCH_PUBLIC_URL: `http://127.0.0.1:${port}`, PORCH_RATE_UNLOCK_PER_15MIN: '100' }),
  ])
  owner = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url })
  page = await owner.newPage()
  page.setDefaultTimeout(10_000)
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

  it('refuses a wrong token with the host’s reason, and keeps no trace of it', async () => {
    await page.goto(`${host.url}/console/`)
    await page.getByLabel('Admin token or owner key').fill('not-the-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await feedback(page, /^Failed: /)).not.toContain('not-the-token')
    expect(await page.getByLabel('Admin token or owner key').inputValue()).toBe('')
    expect(await owner.cookies(host.url)).toEqual([])
  })

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
    expect(saved).toMatchObject({
      model: 'demo:instant',
      welcome_message: 'Hello, gardener!',
      starters: ['What should I plant?', 'When do I water?'],
      temperature: 0.3,
      tools: [{ type: 'builtin', name: 'current_time' }],
    })

    expect(saved).toMatchObject({ attachments: false, context_window: null, compress_at: 0.8 })

    await page.getByLabel(/Files for the visitor/).check()
    await page.getByLabel('Visitors may attach images and text files').check()
    await page.getByLabel('Context window (tokens)').fill('16000')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await feedback(page, 'Saved.')
    const files = (await host.owner.call('GET', `/agents/${agentId}`)).body
    expect(files).toMatchObject({
      attachments: true,
      context_window: 16000,
      tools: [
        { type: 'builtin', name: 'current_time' },
        { type: 'builtin', name: 'create_file' },
      ],
    })
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
    await page.getByRole('region', { name: 'Versions table' }).getByText('First version').waitFor()
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

    await page.bringToFront() // the clipboard belongs to the focused page
    await fresh.getByRole('button', { name: 'Copy script snippet' }).click()
    await feedback(page, 'Script snippet copied.', fresh)
    snippet = await page.evaluate(() => navigator.clipboard.readText())
    expect(snippet).toMatch(
      /^<script src="http:\/\/127\.0\.0\.1:\d+\/widget\/[^"]+\/embed\.js" integrity="sha384-[^"]+" crossorigin="anonymous" data-link="[A-Za-z0-9_-]{43}" data-open="true" async><\/script>$/,
    )
    await page.getByRole('region', { name: 'Share links table' }).getByRole('cell', { name: 'Partner page', exact: true }).waitFor()
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
    const sessions = page.getByRole('region', { name: 'Sessions table' })
    await sessions.getByText('Link: Partner page').waitFor()
    expect(await sessions.locator('tbody tr').count()).toBe(1) // the try-it chat is not public traffic
    await sessions.getByText('Hello from the partner page').waitFor()
    // The visitor's request, and the owner's try-it run of the draft, each labelled with its source.
    const traces = page.getByRole('region', { name: 'Traces table' })
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

  it('exports the sessions the filters select as CSV, through the sign-in cookie', async () => {
    await page.goto(`${host.url}/console/watch?agent=${agentId}`)
    const exportLinks = page.getByLabel('Export')
    const [download] = await Promise.all([page.waitForEvent('download'), exportLinks.getByRole('link', { name: 'CSV' }).click()])
    expect(download.suggestedFilename()).toMatch(new RegExp(`^sessions-${agentId}-\\d{4}-\\d{2}-\\d{2}\\.csv$`))
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv.startsWith('\ufeffagent_id,session_id,scope,link_id,')).toBe(true)
    expect(csv).toContain('Hello from the partner page, what time is it?')
    expect(csv).not.toMatch(/,try,/) // like the list: no try-it sessions
  })

  it('deletes the link, and the visitor’s next message is refused', async () => {
    await page.goto(`${host.url}/console/agents/${agentId}/share`)
    const row = page.getByRole('region', { name: 'Share links table' }).locator('tr', { hasText: 'Partner page' })
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

describe('roles and the keyboard', () => {
  let agentId = ''
  beforeAll(async () => {
    agentId = (await host.owner.publishedAgent({ name: 'Shared agent', model: 'demo:instant' })).id
  })

  async function signedInAs(role: 'viewer' | 'editor') {
    const created = await host.owner.call('POST', '/owner-keys', { name: `A ${role}`, role })
    expect(created.status).toBe(201)
    const context = await browser.newContext()
    const rolePage = await context.newPage()
    await signIn(rolePage, `${host.url}/console/`, created.body.key)
    return { context, page: rolePage }
  }

  it('signs in with the keyboard alone, and then starts at the page’s content', async () => {
    const context = await browser.newContext()
    try {
      const keyboardPage = await context.newPage()
      await keyboardPage.goto(`${host.url}/console/`)
      await keyboardPage.getByLabel('Admin token or owner key').waitFor()
      await keyboardPage.keyboard.press('Tab')
      expect(await keyboardPage.evaluate(() => document.activeElement?.id)).toBe('sign-in-token')
      await keyboardPage.keyboard.type(ADMIN_TOKEN)
      await keyboardPage.keyboard.press('Enter')
      await keyboardPage.getByRole('heading', { level: 1, name: 'Agents' }).waitFor()
      // Focus moves to the main landmark on every page change, so the next Tab is the page's first control.
      expect(await keyboardPage.evaluate(() => document.activeElement?.tagName)).toBe('MAIN')
      await keyboardPage.keyboard.press('Tab')
      expect(await keyboardPage.evaluate(() => document.activeElement?.textContent)).toBe('New agent')
      await keyboardPage.keyboard.press('Enter')
      await keyboardPage.getByRole('heading', { level: 1, name: 'New agent' }).waitFor()
    } finally {
      await context.close()
    }
  })

  it('lets a viewer look at everything but change nothing', async () => {
    const { context, page: viewer } = await signedInAs('viewer')
    try {
      expect(await viewer.locator('.who').innerText()).toContain('viewer')
      expect(await viewer.getByRole('link', { name: 'New agent' }).count()).toBe(0)
      expect(await viewer.getByRole('link', { name: 'Owner keys' }).count()).toBe(0)
      await viewer.getByRole('link', { name: 'Shared agent' }).click()
      await viewer.getByText('can read the draft but not change it').waitFor()
      expect(await viewer.getByLabel('Name').isDisabled()).toBe(true)
      expect(await viewer.getByRole('button', { name: 'Save draft' }).count()).toBe(0)
      expect(await viewer.getByRole('button', { name: 'Delete agent' }).count()).toBe(0)
      await viewer.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Publish' }).click()
      await viewer.getByText('Your role (viewer) cannot publish.').waitFor()
      await viewer.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Try it' }).click()
      await viewer.getByText('Trying the draft needs the editor role').waitFor()
      await viewer.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Share' }).click()
      await viewer.getByText('No links yet.').waitFor()
      expect(await viewer.getByText('New link').count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it('lets an editor edit and publish, but not manage owner keys', async () => {
    const { context, page: editor } = await signedInAs('editor')
    try {
      expect(await editor.getByRole('link', { name: 'Owner keys' }).count()).toBe(0)
      await editor.goto(`${host.url}/console/agents/${agentId}/edit`)
      await editor.getByLabel('Welcome message').fill('Edited by an editor')
      await editor.getByRole('button', { name: 'Save draft' }).click()
      await feedback(editor, 'Saved.')
      await editor.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Publish' }).click()
      await editor.getByRole('button', { name: 'Publish', exact: true }).click()
      await feedback(editor, 'Published version 2.')
      await editor.goto(`${host.url}/console/owner-keys`)
      await editor.getByText('Only the admin token and owner keys without agent limits manage owner keys.').waitFor()
    } finally {
      await context.close()
    }
  })
})

describe('watching an agent with 100,000 sessions', () => {
  const TOTAL = 100_000
  let agentId = ''

  beforeAll(async () => {
    agentId = (await host.owner.createAgent({ name: 'Busy agent' })).id
    // Seeded straight into the host's SQLite file (as host/routes/owner/watch.test.ts does): a
    // hundred thousand chats through the API would take minutes and prove nothing more here.
    const db = new Database(host.dbPath)
    try {
      const base = Date.parse('2026-01-01T00:00:00.000Z')
      const insertSession = db.prepare("INSERT INTO sessions (agent_id, scope, id, created_at, updated_at) VALUES (?, 'public', ?, ?, ?)")
      const insertMessage = db.prepare(
        "INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at) VALUES (?, 1, 'user', ?, 'complete', ?, ?)",
      )
      db.transaction(() => {
        for (let i = 0; i < TOTAL; i++) {
          const at = new Date(base + i * 1000).toISOString()
          const { lastInsertRowid } = insertSession.run(agentId, `s-${i}`, at, at)
          insertMessage.run(lastInsertRowid, JSON.stringify([{ type: 'text', text: `question ${i}` }]), `t-${i}`, at)
        }
      })()
    } finally {
      db.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 200)) // let the host's stale keep-alive sockets close
  }, 120_000)

  it('shows the newest page, loads the next one on demand, and opens a deep session', async () => {
    const context = await browser.newContext()
    try {
      const watcher = await context.newPage()
      await signIn(watcher, `${host.url}/console/`)
      await watcher.goto(`${host.url}/console/watch?agent=${agentId}`)
      const rows = watcher.getByRole('region', { name: 'Sessions table' }).locator('tbody tr')
      await feedback(watcher, /^50\+ sessions/)
      expect(await rows.count()).toBe(50)
      expect(await rows.first().innerText()).toContain(`question ${TOTAL - 1}`)

      await watcher.getByRole('button', { name: 'Load more sessions' }).click()
      await feedback(watcher, 'More sessions loaded.')
      expect(await rows.count()).toBe(100)
      const previews = await rows.locator('td:nth-child(5)').allInnerTexts()
      expect(previews).toEqual(Array.from({ length: 100 }, (_, i) => `question ${TOTAL - 1 - i}`))

      await rows.nth(99).getByRole('link').click()
      await watcher
        .getByRole('list', { name: 'Messages' })
        .getByText(`question ${TOTAL - 100}`, { exact: true })
        .waitFor()
    } finally {
      await context.close()
    }
  })
})

describe('an owner key limited to some agents', () => {
  it('is offered no owner-key management, and the page says why', async () => {
    const agentId = (await host.owner.publishedAgent({ name: 'Limited reach', model: 'demo:instant' })).id
    const created = await host.owner.call('POST', '/owner-keys', { name: 'Limited owner', role: 'owner', agent_ids: [agentId] })
    const context = await browser.newContext()
    try {
      const limited = await context.newPage()
      await signIn(limited, `${host.url}/console/`, created.body.key)
      await limited.getByRole('heading', { level: 1, name: 'Agents' }).waitFor()
      expect(await limited.getByRole('link', { name: 'Owner keys' }).count()).toBe(0)
      await limited.goto(`${host.url}/console/owner-keys`)
      await limited.getByText('Only the admin token and owner keys without agent limits manage owner keys.').waitFor()
    } finally {
      await context.close()
    }
  })
})

describe('managing versions, links, chat keys and owner keys', () => {
  let agentId = ''
  let manager: BrowserContext
  let admin: Page
  beforeAll(async () => {
    agentId = (await host.owner.publishedAgent({ name: 'Managed agent', model: 'demo:instant' }, { description: 'v1' })).id
    await host.owner.updateAgent(agentId, { welcome_message: 'Second draft' })
    await host.owner.publish(agentId, { description: 'v2' })
    manager = await browser.newContext()
    admin = await manager.newPage()
    admin.setDefaultTimeout(10_000)
    await signIn(admin, `${host.url}/console/`)
  })
  afterAll(async () => {
    await manager?.close()
  })
  const agent = async () => (await host.owner.call('GET', `/agents/${agentId}`)).body

  it('rolls back to an older version and unpublishes', async () => {
    await admin.goto(`${host.url}/console/agents/${agentId}/publish`)
    await admin.getByRole('button', { name: 'Roll back to v1' }).click()
    await feedback(admin, 'Version 1 is live again.')
    expect(await agent()).toMatchObject({ published: true, active_version: 1 })
    // v1 has no welcome message: the draft now differs from the live version, and says so.
    await admin.getByRole('heading', { name: 'Welcome message' }).waitFor()
    await admin.getByRole('button', { name: 'Unpublish' }).click()
    await feedback(admin, 'Unpublished')
    expect((await agent()).published).toBe(false)
    expect((await host.get(`/api/v1/published/${agentId}`)).status).toBe(404)
  })

  it('edits a link: password removed, a preset expiry, an origin; then disables it', async () => {
    const created = await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'Flyer', password: 'secret-1' })
    await admin.goto(`${host.url}/console/agents/${agentId}/share`)
    const row = admin.getByRole('region', { name: 'Share links table' }).locator('tr', { hasText: 'Flyer' }).first()
    await row.getByRole('button', { name: 'Edit Flyer' }).click()
    const form = admin.getByRole('form', { name: 'Edit link Flyer' })
    await form.getByLabel('Remove the password').check()
    await form.getByLabel('Expires').selectOption('7d')
    await form.getByLabel('Allowed origins').fill('https://shop.example')
    await form.getByRole('button', { name: 'Save link' }).click()
    await feedback(admin, 'Flyer saved.')
    const link = (await host.owner.call('GET', `/agents/${agentId}/links`)).body.links.find((l: { id: string }) => l.id === created.body.id)
    expect(link).toMatchObject({ has_password: false, allowed_origins: ['https://shop.example'], enabled: true })
    expect(Date.parse(link.expires_at) - Date.now()).toBeGreaterThan(6 * 86_400_000)

    await row.getByRole('button', { name: 'Disable Flyer' }).click()
    await feedback(admin, 'Flyer is disabled.')
    expect((await host.owner.call('GET', `/agents/${agentId}/links`)).body.links[0].enabled).toBe(false)
    await row.getByText('Disabled').waitFor()
  })

  it('warns when password links guard a public agent, and makes it link-only in one click', async () => {
    const guarded = await host.owner.publishedAgent({ name: 'Guarded agent', model: 'demo:instant' })
    expect((await host.owner.call('POST', `/agents/${guarded.id}/links`, { name: 'Club', password: 'club-secret' })).status).toBe(201)
    await admin.goto(`${host.url}/console/agents/${guarded.id}/share`)
    const note = admin.getByRole('note').filter({ hasText: 'These passwords do not protect the agent yet.' })
    await note.getByRole('button', { name: 'Make the agent link-only' }).click()
    await feedback(admin, /link-only now/)
    expect((await host.owner.call('GET', `/agents/${guarded.id}`)).body).toMatchObject({ access: 'link', published: true, has_unpublished_changes: false })
    await note.waitFor({ state: 'detached' })
    expect((await host.post(`/api/v1/published/${guarded.id}/chat`, { request: 'hi' })).status).toBe(403)
    // And back, from the public embed section.
    await admin.getByRole('button', { name: 'Make the agent public' }).click()
    await feedback(admin, /public now/)
    expect((await host.owner.call('GET', `/agents/${guarded.id}`)).body.access).toBe('public')
  })

  it('creates a chat key shown once, refreshes it (the old secret stops working) and deletes it', async () => {
    await host.owner.publish(agentId, {})
    await admin.goto(`${host.url}/console/agents/${agentId}/api`)
    await admin.getByLabel('Key name').fill('Backend')
    await admin.getByRole('button', { name: 'Create key' }).click()
    await feedback(admin, 'Key created')
    const shown = admin.locator('.warning', { hasText: 'Copy the key' })
    const first = (await shown.locator('pre').innerText()).trim()
    expect(first).toMatch(/^key_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    const completion = (key: string) =>
      fetch(`${host.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: agentId, messages: [{ role: 'user', content: 'Hi' }] }),
      })
    expect((await completion(first)).status).toBe(200)
    await admin.getByRole('button', { name: 'I have copied it' }).click()
    expect(await admin.locator('pre', { hasText: first }).count()).toBe(0) // gone from the page

    await admin.reload()
    const row = admin.getByRole('region', { name: 'Chat API keys table' }).locator('tr', { hasText: 'Backend' })
    expect(await row.locator('td').nth(3).innerText()).not.toBe('Never') // last used
    await row.getByRole('button', { name: 'Refresh Backend' }).click()
    await feedback(admin, 'has a new secret')
    const second = (await admin.locator('.warning', { hasText: 'Copy the key' }).locator('pre').innerText()).trim()
    expect(second).not.toBe(first)
    expect((await completion(first)).status).toBe(401)
    expect((await completion(second)).status).toBe(200)

    await row.getByRole('button', { name: 'Delete Backend' }).click()
    await row.getByRole('button', { name: 'Yes, delete' }).click()
    await feedback(admin, 'Backend is deleted')
    expect((await completion(second)).status).toBe(401)
  })

  it('creates an owner key limited to one agent, and deletes it', async () => {
    await admin.goto(`${host.url}/console/owner-keys`)
    await admin.getByLabel('Name', { exact: true }).fill('Agency')
    await admin.getByLabel('Role').selectOption('viewer')
    await admin.getByRole('checkbox', { name: 'Managed agent' }).check()
    await admin.getByRole('button', { name: 'Create owner key' }).click()
    await feedback(admin, 'Owner key created')
    const key = (await admin.locator('.warning pre').innerText()).trim()
    const keys = (await host.owner.call('GET', '/owner-keys')).body.owner_keys
    expect(keys.find((k: { name: string }) => k.name === 'Agency')).toMatchObject({ role: 'viewer', agent_ids: [agentId] })
    const reach = await fetch(`${host.url}/api/v1/agents`, { headers: { authorization: `Bearer ${key}` } })
    expect((await reach.json()).agents.map((a: { id: string }) => a.id)).toEqual([agentId])

    const row = admin.getByRole('region', { name: 'Owner keys table' }).locator('tr', { hasText: 'Agency' })
    await row.getByRole('button', { name: 'Delete Agency' }).click()
    await row.getByRole('button', { name: 'Yes, delete' }).click()
    await feedback(admin, 'Agency is deleted')
    expect((await fetch(`${host.url}/api/v1/agents`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401)
  })
})
