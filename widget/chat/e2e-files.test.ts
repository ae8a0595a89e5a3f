/**
 * Files in the widget, in Chromium, on another origin than the host: a visitor attaches a
 * text file and an image, the agent (the demo model) names them, asks for a CSV and gets a
 * download chip that fetches the file; a refresh restores both from the session history.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { inlineChatHtml, say, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)])

let browser: Browser
let host: TestHost
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

it('attaches files, shows a tool’s file as a download, and restores both after a refresh', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant', attachments: true, tools: [{ type: 'builtin', name: 'create_file' }] })
  const { page, close, errors } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await page.locator('porch-chat input[type="file"]').setInputFiles([
      { name: 'notes.md', mimeType: '', buffer: Buffer.from('# My notes\nBuy a bell.\n') },
      { name: 'bike.png', mimeType: 'image/png', buffer: PNG },
    ])
    await expect.poll(() => page.locator('porch-chat [part="attachments"] [part="attachment"]').count()).toBe(2)
    // One can be taken off again before sending.
    await page.locator('porch-chat [part="attachments"] button[aria-label="Remove bike.png"]').click()
    await expect.poll(() => page.locator('porch-chat [part="attachments"] [part="attachment"]').count()).toBe(1)
    await page.locator('porch-chat input[type="file"]').setInputFiles([{ name: 'bike.png', mimeType: 'image/png', buffer: PNG }])

    await say(page, 'Look at these')
    const [question, answer] = await waitForAnswer(page)
    expect(question!.text).toBe('Look at these')
    expect(answer!.text).toContain('You attached the text file **notes.md**')
    expect(answer!.text).toContain('an image (image/png)')
    expect(await page.locator('porch-chat .message.user [part="attachment"]').allTextContents()).toEqual(['📎 notes.md (1 KB)', '📎 bike.png (1 KB)'])
    expect(await page.locator('porch-chat [part="attachments"]').count()).toBe(0)

    await say(page, 'Make me a CSV file')
    await waitForAnswer(page)
    const chip = page.locator('porch-chat a[part="file"]')
    await chip.waitFor()
    expect(await chip.textContent()).toContain('demo.csv')
    const href = (await chip.getAttribute('href'))!
    expect(href.startsWith(`${host.url}/api/v1/published/${agent.id}/sessions/`)).toBe(true)
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href)
    expect(csv).toContain('Make me a CSV file')

    await page.reload()
    await page.locator('porch-chat a[part="file"]').waitFor()
    expect(await page.locator('porch-chat a[part="file"]').getAttribute('href')).toBe(href)
    expect(await page.locator('porch-chat .message.user [part="attachment"]').count()).toBe(2)
    expect((await transcript(page)).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect(errors).toEqual([])
  } finally {
    await close()
  }
})

it('says which file cannot be attached, and offers no attach button when the agent takes none', async () => {
  const taking = await host.owner.publishedAgent({ model: 'demo:instant', attachments: true })
  const { page, close } = await openPage(browser, { html: inlineChatHtml(host, host.url, taking.id) })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await page.locator('porch-chat input[type="file"]').setInputFiles([{ name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') }])
    const alert = page.locator('porch-chat [part="attachments"] [role="alert"]')
    await alert.waitFor()
    expect(await alert.textContent()).toBe('tool.exe cannot be attached: only images and text files can.')
  } finally {
    await close()
  }

  const plain = await host.owner.publishedAgent({ model: 'demo:instant' })
  const second = await openPage(browser, { html: inlineChatHtml(host, host.url, plain.id) })
  try {
    await second.page.locator('porch-chat textarea:not([disabled])').waitFor()
    expect(await second.page.locator('porch-chat [part="attach-button"]').count()).toBe(0)
  } finally {
    await second.close()
  }
})
