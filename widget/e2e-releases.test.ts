/**
 * A snippet pasted before an upgrade keeps working after it, in Chromium. The host under test is
 * the current version; the customer page (another origin) carries an older version's snippet
 * exactly as that version's host handed it out: its embed.js, its SRI hash. The old widget then
 * loads its own porch-chat.js and chats with the newer host, whose wire contract only grows.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../host/testing/harness.ts'
import { loadWidgetAssets, RELEASES_DIR, WIDGET_VERSION } from '../host/widget-assets.ts'
import { launchBrowser, openPage } from './testing/browser.ts'
import { say, startPorch, transcript, waitForAnswer } from './testing/e2e.ts'

/** What the 0.1.0 host put in its snippets; widget/releases.test.ts pins the file to it too. */
const HANDED_OUT_0_1_0 = 'sha384-Xec+KeborNI/aE0UUFo8ID6mz+6ngNWv++lz9Kp8EFfyybnLP+8jUC9lNJyGdSFr'
const OLDER = loadWidgetAssets()
  .versions()
  .filter((version) => version !== WIDGET_VERSION)
const frozenIntegrity = (version: string) =>
  `sha384-${createHash('sha384')
    .update(readFileSync(join(RELEASES_DIR, version, 'embed.js')))
    .digest('base64')}`

/** A snippet as snippets.ts formats it (unchanged since 0.1.0), for any version and hash. */
const snippet = (host: TestHost, version: string, integrity: string, agent: string) =>
  `<script src="${host.url}/widget/${version}/embed.js" integrity="${integrity}" crossorigin="anonymous" data-agent="${agent}" async></script>`

/** Records, from the page itself and before the snippet runs, every script that failed to load. */
const SCRIPT_ERRORS = `<script>window.failedScripts = []; addEventListener('error', (e) => { if (e.target instanceof HTMLScriptElement) failedScripts.push(e.target.src) }, true)</script>`

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

/** Opens the chat from the launcher, asks the time, and returns the finished answer. */
async function chatThroughLauncher(page: Page) {
  await page.locator('[data-porch-embed] button').click()
  await page.locator('porch-chat textarea:not([disabled])').waitFor()
  await say(page, 'What time is it?')
  return waitForAnswer(page)
}

describe('after an upgrade', () => {
  it('still serves 0.1.0 among the older versions, and no version it never had', async () => {
    expect(WIDGET_VERSION).not.toBe('0.1.0')
    expect(OLDER).toContain('0.1.0')
    expect(frozenIntegrity('0.1.0')).toBe(HANDED_OUT_0_1_0)
    const response = await host.get('/widget/9.9.9/embed.js')
    expect(response.status).toBe(404)
    expect((await response.json()).error.message).toContain('Unknown widget version')
  })

  it.each(OLDER)('chats through a %s snippet pasted before the upgrade, with its SRI hash', async (version) => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: clock, welcome_message: 'Welcome back!' })
    const integrity = version === '0.1.0' ? HANDED_OUT_0_1_0 : frozenIntegrity(version)
    const { page, url, requests, errors, close } = await openPage(browser, {
      html: `<h1>A shop</h1>${SCRIPT_ERRORS}${snippet(host, version, integrity, agent.id)}`,
    })
    try {
      expect(new URL(url).origin).not.toBe(new URL(host.url).origin)
      const [question, answer] = await chatThroughLauncher(page)
      expect(question).toMatchObject({ role: 'user', text: 'What time is it?' })
      expect(answer).toMatchObject({ role: 'assistant', state: 'done' })
      expect(answer!.text).toContain('The `current_time` tool answered')
      await page.getByText('Welcome back!').waitFor()

      // The old widget ran, all of it: its own loader and chat, nothing of the current version.
      expect(await page.evaluate(() => (window as unknown as { Porch: { version: string } }).Porch.version)).toBe(version)
      const widgetFiles = requests.filter((u) => u.startsWith(`${host.url}/widget/`)).map((u) => u.slice(host.url.length))
      expect([...new Set(widgetFiles)].sort()).toEqual([`/widget/${version}/embed.js`, `/widget/${version}/porch-chat.js`])
      expect(await page.evaluate(() => (window as unknown as { failedScripts: string[] }).failedScripts)).toEqual([])
      expect(errors).toEqual([])

      const sessionId = await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)
      const stored = await (await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`)).json()
      // The newer host kept the old widget's turn: its question, the tool round trip and the answer shown.
      expect(stored.messages[0]).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'What time is it?' }] })
      expect(stored.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'complete' })
      expect(answer!.text).toContain(stored.messages.at(-1).content[0].text)
    } finally {
      await close()
    }
  })

  it.each(OLDER)('has a %s widget answer from knowledge and restore it after a refresh, with the sources if it can show them', async (version) => {
    const agent = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
    await host.owner.addKnowledge(agent.id, { title: 'Opening hours', text: 'The bakery opens at seven on weekdays.' })
    await host.owner.publish(agent.id)
    const integrity = version === '0.1.0' ? HANDED_OUT_0_1_0 : frozenIntegrity(version)
    const { page, errors, close } = await openPage(browser, { html: `${SCRIPT_ERRORS}${snippet(host, version, integrity, agent.id)}` })
    try {
      await page.locator('[data-porch-embed] button').click()
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'When does the bakery open?')
      const [, answer] = await waitForAnswer(page)
      expect(answer).toMatchObject({ role: 'assistant', state: 'done' })
      expect(answer!.text).toContain('The documents say, in *Opening hours* [1]')
      await page.reload()
      await page.locator('[data-porch-embed] button').click()
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      const restored = await transcript(page)
      expect(restored.map((m) => [m.role, m.state])).toEqual([
        ['user', 'done'],
        ['assistant', 'done'],
      ])
      expect(restored[1]!.text).toContain('The documents say')
      // Sources came with widget 0.3.0; the releases before it skip them.
      const showsSources = !['0.1.0', '0.2.0'].includes(version)
      expect(await page.locator('porch-chat [part="sources"]').count()).toBe(showsSources ? 1 : 0)
      expect(errors).toEqual([])
    } finally {
      await close()
    }
  })

  it.each(OLDER)('keeps a %s widget working in a session a person took over: an empty answer, no error, and the agent after the hand-back', async (version) => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: clock })
    const integrity = version === '0.1.0' ? HANDED_OUT_0_1_0 : frozenIntegrity(version)
    const { page, errors, close } = await openPage(browser, { html: `${SCRIPT_ERRORS}${snippet(host, version, integrity, agent.id)}` })
    try {
      await chatThroughLauncher(page)
      const sessionId = await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)
      const session = `/agents/${agent.id}/sessions/${sessionId}`
      expect((await host.owner.call('POST', `${session}/takeover`, { name: 'Anna' })).status).toBe(200)
      await say(page, 'Is anyone there?')
      const held = await waitForAnswer(page)
      // The old widget reads the held reply as an empty answer: done, not an error, nothing shown.
      expect(held.at(-1)).toMatchObject({ role: 'assistant', state: 'done', text: '' })
      expect((await host.owner.call('POST', `${session}/handback`, {})).status).toBe(204)
      await say(page, 'What time is it?')
      await page.waitForFunction(() => {
        const messages = (document.querySelector('porch-chat') as unknown as { chat: { messages: { role: string; state: string }[] } }).chat.messages
        return messages.length === 6 && messages.at(-1)?.state === 'done'
      })
      expect((await transcript(page)).at(-1)!.text).toContain('The `current_time` tool answered')
      expect(errors).toEqual([])
    } finally {
      await close()
    }
  })

  it('has the browser refuse an embed.js whose bytes do not match the pinned hash', async () => {
    // The hash of another version's embed.js: what a site would hold had a release changed under it.
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const wrong = frozenIntegrity(WIDGET_VERSION)
    expect(wrong).not.toBe(HANDED_OUT_0_1_0)
    const { page, requests, close } = await openPage(browser, { html: `${SCRIPT_ERRORS}${snippet(host, '0.1.0', wrong, agent.id)}` })
    try {
      await page.waitForFunction(() => (window as unknown as { failedScripts: string[] }).failedScripts.length > 0)
      expect(await page.evaluate(() => (window as unknown as { failedScripts: string[] }).failedScripts)).toEqual([`${host.url}/widget/0.1.0/embed.js`])
      // Fetched and served (a 404 would fail the same way), then refused for its bytes.
      expect(requests).toContain(`${host.url}/widget/0.1.0/embed.js`)
      const status = await page.evaluate(
        (src) => (performance.getEntriesByName(src)[0] as PerformanceResourceTiming | undefined)?.responseStatus,
        `${host.url}/widget/0.1.0/embed.js`,
      )
      expect(status).toBe(200)
      expect(await page.evaluate(() => 'Porch' in window)).toBe(false)
      expect(await page.locator('[data-porch-embed]').count()).toBe(0)
    } finally {
      await close()
    }
  })

  it('hands out a current snippet pinned to the frozen current release, which chats too', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: clock })
    const handedOut = await host.owner.call('GET', `/agents/${agent.id}/embed`)
    expect(handedOut.status).toBe(200)
    const script: string = handedOut.body.script
    expect(script).toBe(snippet({ ...host, url: host.publicUrl }, WIDGET_VERSION, frozenIntegrity(WIDGET_VERSION), agent.id))
    // The host calls itself localhost; the browser harness reaches it only as 127.0.0.1.
    const { page, requests, errors, close } = await openPage(browser, { html: `${SCRIPT_ERRORS}${script.replace(host.publicUrl, host.url)}` })
    try {
      const [, answer] = await chatThroughLauncher(page)
      expect(answer).toMatchObject({ role: 'assistant', state: 'done' })
      expect(answer!.text).toContain('The `current_time` tool answered')
      expect(await page.evaluate(() => (window as unknown as { Porch: { version: string } }).Porch.version)).toBe(WIDGET_VERSION)
      expect(requests).toContain(`${host.url}/widget/${WIDGET_VERSION}/porch-chat.js`)
      expect(errors).toEqual([])
    } finally {
      await close()
    }
  })
})
