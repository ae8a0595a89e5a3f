/**
 * Feedback in the widget, in Chromium, on another origin than the host, by keyboard: the visitor
 * rates an answer with the thumbs (labelled buttons with aria-pressed), sends a comment from the
 * field a rating opens, hears the thanks in the live region, finds the rating again after a
 * refresh, and takes it back; the host stores it on the answer, and the owner's sessions view
 * filters by it.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { signIn } from '../console/e2e-helpers.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { inlineChatHtml, say, startPorch, waitForAnswer } from '../testing/e2e.ts'

let browser: Browser
let host: TestHost
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

it('rates an answer by keyboard, with a comment, keeps the rating over a refresh, and takes it back', async () => {
  const agent = await host.owner.publishedAgent({ name: 'Rated', model: 'demo:instant' })
  const { page, close, errors } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(page, 'Hello there')
    const [, answer] = await waitForAnswer(page)
    expect(answer!.state).toBe('done')

    const up = page.locator('porch-chat [part="feedback-button"][aria-label="Helpful"]')
    const down = page.locator('porch-chat [part="feedback-button"][aria-label="Not helpful"]')
    expect(await up.getAttribute('aria-pressed')).toBe('false')
    expect(await down.getAttribute('aria-pressed')).toBe('false')

    await down.focus()
    await page.keyboard.press('Enter')
    await page.locator('porch-chat [part="feedback-button"][aria-label="Not helpful"][aria-pressed="true"]').waitFor()
    expect(await up.getAttribute('aria-pressed')).toBe('false')

    const comment = page.locator('porch-chat textarea[part="feedback-comment"]')
    expect(await page.locator('porch-chat [part="feedback-form"] label').textContent()).toContain('What could be better? (optional)')
    await comment.fill('It did not answer my question.')
    await page.locator('porch-chat [part="feedback-send"]').focus()
    await page.keyboard.press('Enter')
    await comment.waitFor({ state: 'detached' })
    expect(await page.locator('porch-chat [role="status"]').textContent()).toBe('Thank you for your feedback.')

    const sessionId = await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)
    const history = async () => (await (await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`)).json()).messages
    expect((await history())[1].feedback).toMatchObject({ rating: 'down', comment: 'It did not answer my question.' })
    const disliked = (await host.owner.call('GET', `/agents/${agent.id}/sessions?feedback=down`)).body.sessions
    expect(disliked.map((s: { session_id: string }) => s.session_id)).toEqual([sessionId])

    // The owner finds the session by its rating in the console and reads the comment on the answer.
    const owner = await browser.newContext()
    try {
      const watcher = await owner.newPage()
      await signIn(watcher, `${host.url}/console/`)
      await watcher.goto(`${host.url}/console/watch?agent=${agent.id}&feedback=down`)
      const rows = watcher.getByRole('region', { name: 'Sessions table' }).locator('tbody tr')
      await rows.first().waitFor()
      expect(await rows.count()).toBe(1)
      expect(await rows.first().innerText()).toContain('0 helpful, 1 not helpful')
      expect(await watcher.getByLabel('Feedback').inputValue()).toBe('down')
      await rows.first().getByRole('link').click()
      const rated = watcher.locator('porch-console .msg.assistant .feedback')
      await rated.waitFor()
      expect(await rated.innerText()).toContain('Rated not helpful')
      expect(await rated.innerText()).toContain('It did not answer my question.')
    } finally {
      await owner.close()
    }

    await page.reload()
    await page.locator('porch-chat [part="feedback-button"][aria-label="Not helpful"][aria-pressed="true"]').waitFor()
    await down.focus()
    await page.keyboard.press('Space')
    await page.locator('porch-chat [part="feedback-button"][aria-label="Not helpful"][aria-pressed="false"]').waitFor()
    expect((await history())[1].feedback).toBeUndefined()
    expect(errors).toEqual([])
  } finally {
    await close()
  }
})
