/**
 * A visitor's journey with the script-tag embed, in Chromium, on a page of another origin:
 * open, stream an answer, refresh, start over, stop, survive a dropped connection.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { type CuttingProxy, startCuttingProxy } from '../testing/cutting-proxy.ts'
import { inlineChatHtml, say, scriptSnippet, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'

let browser: Browser
let host: TestHost
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

const clock = [{ type: 'builtin' as const, name: 'current_time' as const }]

describe('the script-tag embed', () => {
  it('draws a launcher without touching <head>, opens, streams, restores after refresh, and starts over', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: clock, welcome_message: 'Welcome to the shop!' })
    const { page, url, requests, errors, close } = await openPage(browser, { html: `<h1>A shop</h1>${scriptSnippet(host, { agent: agent.id })}` })
    try {
      expect(new URL(url).origin).not.toBe(new URL(host.url).origin)
      const launcher = page.locator('[data-porch-embed] button')
      await launcher.waitFor()
      expect(await page.evaluate(() => document.head.children.length)).toBe(2) // the page's own meta + icon

      await launcher.click()
      await page.locator('porch-chat .panel.open').waitFor()
      await page.getByText('Welcome to the shop!').waitFor()
      expect(await page.locator('[data-porch-embed] button').count()).toBe(0) // the component's launcher took over

      await say(page, 'What time is it?')
      const [question, answer] = await waitForAnswer(page)
      expect(question).toMatchObject({ role: 'user', text: 'What time is it?' })
      expect(answer).toMatchObject({ role: 'assistant', state: 'done' })
      expect(answer!.text).toContain('The `current_time` tool answered')
      expect(await page.locator('porch-chat details.tool summary').textContent()).toContain('current_time')

      await page.reload()
      await page.locator('[data-porch-embed] button').click()
      await page.waitForFunction(() => (document.querySelector('porch-chat') as unknown as { chat?: { messages: unknown[] } })?.chat?.messages.length === 2)
      expect((await transcript(page)).map((m) => m.text)).toEqual([question!.text, answer!.text])

      await page.locator('porch-chat [part="new-chat-button"]').click()
      expect(await transcript(page)).toEqual([])
      expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes(':session:')))).toEqual([])

      expect(requests.filter((u) => !u.startsWith(url) && !u.startsWith(host.url))).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await close()
    }
  })

  it('is safe to include twice: one launcher, one namespace', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const snippet = scriptSnippet(host, { agent: agent.id })
    const { page, close } = await openPage(browser, { html: snippet + snippet })
    try {
      await page.locator('[data-porch-embed] button').waitFor()
      await page.waitForFunction(() => document.querySelectorAll('script[data-agent]').length === 2)
      await page.waitForTimeout(200)
      expect(await page.locator('[data-porch-embed]').count()).toBe(1)
      expect(await page.evaluate(() => Object.keys(window).filter((k) => /porch/i.test(k)))).toEqual(['Porch'])
    } finally {
      await close()
    }
  })

  it('keeps the partial answer when the visitor presses Stop', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo' })
    const { page, close } = await openPage(browser, { html: scriptSnippet(host, { agent: agent.id }, 'data-open="true"') })
    try {
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'Tell me everything')
      await page.waitForFunction(() => {
        const m = (document.querySelector('porch-chat') as unknown as { chat: { messages: { parts: { text?: string }[] }[] } }).chat.messages.at(-1)
        return (m?.parts[0]?.text ?? '').length > 40
      })
      await page.locator('porch-chat [part="stop-button"]').click()
      const [, stopped] = await waitForAnswer(page)
      expect(stopped!.state).toBe('stopped')
      await page.waitForTimeout(300)
      expect((await transcript(page))[1]!.text).toBe(stopped!.text) // nothing more arrived
      await page.getByText('Stopped.').waitFor()

      const sessionId = await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)
      const stored = await (await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`)).json()
      expect(stored.messages[1].status).toBe('cancelled')
      // The demo's full answer ends with this line; a stopped one never gets there.
      const lastLine = 'pick a real model to get real answers.'
      expect(stopped!.text).not.toContain(lastLine)
      expect(stored.messages[1].content[0].text).not.toContain(lastLine)
      expect(stored.messages[1].content[0].text.startsWith(stopped!.text)).toBe(true)
    } finally {
      await close()
    }
  })
})

describe('a dropped connection', () => {
  let proxy: CuttingProxy

  beforeAll(async () => {
    // Between the browser and the host: cuts the first chat stream after a few events.
    proxy = await startCuttingProxy(host.url, { isChat: (path) => /\/chat$/.test(path), cutAfterEvents: 8 })
  })
  afterAll(() => proxy.close())

  it('resumes the same run and shows every token once', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo' })
    const { page, close } = await openPage(browser, { html: inlineChatHtml(host, proxy.url, agent.id) })
    try {
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'Please survive a network drop')
      const [, answer] = await waitForAnswer(page)
      expect(answer!.state).toBe('done')

      expect(proxy.chatRequests.length).toBe(2)
      expect(proxy.chatRequests[0]).toBeUndefined()
      expect(Number(proxy.chatRequests[1])).toBeGreaterThan(0) // it resumed after the events it had

      const sessionId = await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)
      const stored = await (await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`)).json()
      expect(stored.messages).toHaveLength(2) // one run, not two
      expect(answer!.text).toBe(stored.messages[1].content[0].text) // every token, once
    } finally {
      await close()
    }
  })
})
