/** Details a visitor notices, in Chromium: language, touch screens, hidden tabs, multi-line input. */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { inlineChatHtml, say, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'

let browser: Browser
let host: TestHost
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

it('speaks German when asked, and takes single strings from the page', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
  const html = inlineChatHtml(host, host.url, agent.id).replace('<porch-chat ', '<porch-chat lang="de" ')
  const { page, close } = await openPage(browser, { html })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    expect(await page.locator('porch-chat [part="send-button"]').textContent()).toBe('Senden')
    expect(await page.locator('porch-chat textarea').getAttribute('placeholder')).toBe('Nachricht schreiben…')
    await page.evaluate(() => ((document.querySelector('porch-chat') as unknown as { strings: object }).strings = { send: 'Los' }))
    await page.locator('porch-chat [part="send-button"]', { hasText: 'Los' }).waitFor()
  } finally {
    await close()
  }
})

it('adds a line on Shift+Enter and sends on Enter', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
  const { page, close } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  try {
    const input = page.locator('porch-chat textarea:not([disabled])')
    await input.click()
    await page.keyboard.type('first line')
    await page.keyboard.press('Shift+Enter')
    await page.keyboard.type('second line')
    expect(await transcript(page)).toEqual([])
    await page.keyboard.press('Enter')
    const [question] = await waitForAnswer(page)
    expect(question!.text).toBe('first line\nsecond line')
  } finally {
    await close()
  }
})

it('does not focus the input on a touch screen (no keyboard popping up unasked)', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
  const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 700 } })
  try {
    const page = await context.newPage()
    await page.goto(`${host.url}/published/${agent.id}`)
    await page.evaluate(() => {
      const chat = document.querySelector('porch-chat')!
      chat.setAttribute('mode', 'bubble')
      ;(chat as unknown as { open: boolean }).open = true
    })
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await page.waitForTimeout(200)
    expect(await page.evaluate(() => matchMedia('(pointer: fine)').matches)).toBe(false)
    expect(await page.evaluate(() => document.querySelector('porch-chat')!.shadowRoot!.activeElement?.tagName ?? null)).not.toBe('TEXTAREA')
  } finally {
    await context.close()
  }
})

it('does not send again when a hidden tab becomes visible', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo' })
  const { page, requests, close } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(page, 'keep going while I look away')
    await page.waitForFunction(
      () => ((document.querySelector('porch-chat') as unknown as { chat: { messages: { parts: unknown[] }[] } }).chat.messages.at(-1)?.parts.length ?? 0) > 0,
    )
    for (const hidden of [true, false]) {
      await page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h })
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') })
        document.dispatchEvent(new Event('visibilitychange'))
      }, hidden)
    }
    const [, answer] = await waitForAnswer(page)
    expect(answer!.state).toBe('done')
    expect(requests.filter((url) => url.endsWith('/chat'))).toHaveLength(1)
  } finally {
    await close()
  }
})
