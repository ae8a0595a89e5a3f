/**
 * Share links in Chromium, as a visitor meets them: a password link pasted on another site by its
 * script snippet (password form, the host's message for a wrong password, chat once unlocked, the
 * visitor token kept in sessionStorage only, a visible refusal once the owner deletes the link),
 * and the hosted link page, which only the link's allowed origins may frame.
 */
import type { Browser, ConsoleMessage, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, type OpenedPage, openPage } from '../testing/browser.ts'
import { say, scriptSnippet, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'

const PASSWORD = 'correct horse battery'

type CreatedLink = { id: string; token: string }

let browser: Browser
let host: TestHost
let agentId: string
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ PORCH_RATE_UNLOCK_PER_15MIN: '100' })])
  agentId = (await host.owner.publishedAgent({ name: 'Link agent', model: 'demo:instant', welcome_message: 'Welcome through the link' })).id
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

async function createLink(body: Record<string, unknown>): Promise<CreatedLink> {
  const created = await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'Shared', ...body })
  expect(created.status).toBe(201)
  return created.body
}

const passwordForm = (page: Page) => page.locator('porch-chat [part="password-form"]')

async function submitPassword(page: Page, password: string) {
  await passwordForm(page).locator('input[type="password"]').fill(password)
  await passwordForm(page).locator('button[type="submit"]').click()
}

/** A page of another origin with the link's script snippet, opened and unlocked. */
async function openUnlocked(link: CreatedLink): Promise<OpenedPage> {
  const opened = await openPage(browser, { html: scriptSnippet(host, { link: link.token }, 'data-open="true"') })
  await passwordForm(opened.page).waitFor()
  await submitPassword(opened.page, PASSWORD)
  await opened.page.locator('porch-chat textarea:not([disabled])').waitFor()
  return opened
}

describe('a password link embedded by its script snippet on another site', () => {
  it('asks for the password, shows the host’s message for a wrong one, and chats once unlocked', async () => {
    const link = await createLink({ password: PASSWORD })
    const { page, url, close } = await openPage(browser, { html: scriptSnippet(host, { link: link.token }, 'data-open="true"') })
    try {
      expect(new URL(url).origin).not.toBe(new URL(host.url).origin)
      await passwordForm(page).waitFor()
      expect(await page.locator('porch-chat textarea').count()).toBe(0) // no chat before the password

      await submitPassword(page, 'not the password')
      await passwordForm(page).locator('[role="alert"]').getByText('That password is not right.').waitFor()

      await submitPassword(page, PASSWORD)
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await expect.poll(() => passwordForm(page).count()).toBe(0)
      await page.locator('porch-chat').getByText('Welcome through the link').waitFor()
      await say(page, 'Hello through the link')
      const [question, answer] = await waitForAnswer(page)
      expect(question).toMatchObject({ role: 'user', text: 'Hello through the link' })
      expect(answer).toMatchObject({ role: 'assistant', state: 'done' })
      expect(answer!.text).toContain('> Hello through the link')
    } finally {
      await close()
    }
  })

  it('keeps the visitor token in sessionStorage, never in localStorage', async () => {
    const link = await createLink({ password: PASSWORD })
    const { page, close } = await openUnlocked(link)
    try {
      const storage = await page.evaluate(() => ({ session: Object.entries(sessionStorage), local: Object.entries(localStorage) }))
      const tokens = storage.session.filter(([, value]) => value.startsWith('pv1.'))
      expect(tokens).toHaveLength(1)
      expect(tokens[0]![0]).toContain(`link:${link.token}`)
      expect(storage.local).toEqual([])
    } finally {
      await close()
    }
  })

  it('refuses the next message with the host’s message, without retrying, once the owner deletes the link', async () => {
    const link = await createLink({ password: PASSWORD })
    const { page, requests, close } = await openUnlocked(link)
    try {
      await say(page, 'Before the link goes')
      expect((await waitForAnswer(page)).at(-1)!.state).toBe('done')

      expect((await host.owner.call('DELETE', `/links/${link.id}`)).status).toBe(204)
      const chatPostsBefore = requests.filter((url) => url.endsWith('/chat')).length
      await say(page, 'After the link went')
      const messages = await waitForAnswer(page)
      expect(messages.at(-1)).toMatchObject({ role: 'assistant', state: 'error' })
      expect(messages.at(-1)!.text).not.toContain('After the link went')
      const error = page.locator('porch-chat [part="error"]').last()
      await error.waitFor({ state: 'visible' })
      // The host said why ("Link not found"); a lost connection would be the wrong story.
      expect(await error.innerText()).toMatch(/link/i)
      expect(requests.filter((url) => url.endsWith('/chat')).length - chatPostsBefore).toBe(1)
      expect((await transcript(page)).filter((m) => m.role === 'assistant' && m.state === 'done')).toHaveLength(1)
    } finally {
      await close()
    }
  })
})

describe('the hosted link page in an iframe', () => {
  /** Puts an iframe of the link page on `opened` and waits until the frame has loaded (or been blocked). */
  async function frameLinkPage(opened: OpenedPage, link: CreatedLink) {
    const consoleMessages: string[] = []
    const record = (message: ConsoleMessage) => void consoleMessages.push(message.text())
    opened.page.on('console', record)
    await opened.page.evaluate(
      (src) =>
        new Promise<void>((resolve) => {
          const frame = document.createElement('iframe')
          frame.style.cssText = 'width:480px;height:640px;border:0'
          frame.addEventListener('load', () => resolve(), { once: true })
          frame.src = src
          document.body.append(frame)
        }),
      `${host.url}/l/${link.token}`,
    )
    const frame = opened.page.frames().find((f) => f !== opened.page.mainFrame())!
    return { frame, consoleMessages }
  }

  it('renders the chat for a listed origin and refuses to be framed by any other', async () => {
    const listed = await openPage(browser)
    const unlisted = await openPage(browser)
    try {
      const link = await createLink({ allowed_origins: [listed.url] })

      const allowed = await frameLinkPage(listed, link)
      const chat = allowed.frame.locator('porch-chat')
      // Ready or refused, whichever comes first; a refusal fails below with its message.
      await chat.locator('textarea:not([disabled]), [role="alert"]').first().waitFor()
      expect(await chat.locator('[role="alert"]').allInnerTexts()).toEqual([])
      await chat.getByText('Welcome through the link').waitFor()
      await chat.locator('textarea').fill('Hello from the framed page')
      await chat.locator('textarea').press('Enter')
      await chat.locator('.message.assistant blockquote').getByText('Hello from the framed page').waitFor() // the demo model quotes it

      const refused = await frameLinkPage(unlisted, link)
      await expect.poll(() => refused.consoleMessages.some((text) => text.includes('frame-ancestors'))).toBe(true)
      expect(await refused.frame.locator('porch-chat').count()).toBe(0)
      expect(unlisted.requests.filter((url) => url.includes('/porch-chat.js'))).toEqual([])
      expect(listed.requests.filter((url) => url.includes('/porch-chat.js'))).not.toEqual([])
    } finally {
      await listed.close()
      await unlisted.close()
    }
  })
})
