/**
 * Knowledge in the widget, in Chromium, on another origin than the host: an agent on the demo
 * model with an uploaded markdown file and a pasted text answers a visitor's question with a
 * collapsed `search_knowledge` call and a numbered list of its sources under the answer; a file
 * source downloads the file, a refresh restores the list, and the sync (JSON) transport shows it too.
 */
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { inlineChatHtml, say, startPorch, waitForAnswer } from '../testing/e2e.ts'

const GUIDE = '# Bakery guide\n\n## Custom cakes\n\nWe bake custom cakes to order. Order a cake three days ahead.\n'
const HOURS = 'The bakery opens at seven. Cakes can be collected from seven until noon.'

let browser: Browser
let host: TestHost
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

/** An agent on the demo model with the guide uploaded and the hours pasted, published in `mode`. */
async function bakery(mode: 'streaming' | 'non_streaming') {
  const agent = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
  const guide = await host.owner.addKnowledge(agent.id, { filename: 'guide.md', body: GUIDE, contentType: 'text/markdown' })
  const hours = await host.owner.addKnowledge(agent.id, { title: 'Opening hours', text: HOURS })
  await host.owner.publish(agent.id, { api_response_mode: mode })
  return { agent, guide, hours }
}

/** The sources list under the last answer: each entry's text and link. */
async function sourcesOf(page: Page) {
  const list = page.locator('porch-chat .message.assistant').last().locator('[part="sources"]')
  await list.waitFor()
  const links = list.locator('a[part="source"]')
  return {
    label: await list.getAttribute('aria-label'),
    links: await links.evaluateAll((as) =>
      (as as HTMLAnchorElement[]).map((a) => ({ text: a.textContent, href: a.href, target: a.target, rel: a.rel.split(' ').sort() })),
    ),
  }
}

it('shows the search collapsed and the sources under the answer; a file source downloads; a refresh restores them', async () => {
  const { agent, guide, hours } = await bakery('streaming')
  const { page, close, errors } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(page, 'How do I order custom cakes?')
    const [, answer] = await waitForAnswer(page)
    expect(answer!.state).toBe('done')

    const tool = page.locator('porch-chat details[part="tool"]')
    expect(await tool.locator('summary').textContent()).toBe('Used search_knowledge')
    expect(await tool.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(false)

    const shown = await sourcesOf(page)
    expect(shown.label).toBe('Sources')
    const fileUrl = (sourceId: string) => `${host.url}/api/v1/published/${agent.id}/knowledge/${sourceId}/file`
    expect(shown.links.map((link) => link.href).sort()).toEqual([fileUrl(guide), fileUrl(hours)].sort())
    for (const link of shown.links) {
      expect(link.target).toBe('_blank')
      expect(link.rel).toEqual(['noopener', 'noreferrer'])
    }
    const guideLink = shown.links.find((link) => link.href === fileUrl(guide))!
    const number = /^\[(\d)\] Bakery guide › Custom cakes$/.exec(guideLink.text ?? '')?.[1]
    expect(number, guideLink.text ?? '').toBeDefined()
    expect(shown.links.find((link) => link.href === fileUrl(hours))!.text).toMatch(/^\[\d\] Opening hours$/)
    // The numbers in the list are the ones the answer cites, and the citation shows as [n].
    expect(answer!.text).toContain(`[${number}]`)
    expect(await page.locator('porch-chat .message.assistant .md').last().textContent()).toContain(`[${number}]`)

    // Clicking the file source downloads the uploaded file (Chromium opens a tab for it, which closes as the download starts).
    const downloaded = page.waitForEvent('download')
    await page.locator('porch-chat a[part="source"]', { hasText: 'Bakery guide' }).click()
    const download = await downloaded
    expect(download.suggestedFilename()).toBe('guide.md')
    expect(await readFile((await download.path())!, 'utf8')).toBe(GUIDE)

    await page.reload()
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    expect(await sourcesOf(page)).toEqual(shown)
    expect(errors).toEqual([])
  } finally {
    await close()
  }
})

it('shows the sources of a sync (JSON) answer, and after a refresh', async () => {
  const { agent, guide } = await bakery('non_streaming')
  const { page, close, errors } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(page, 'How do I order custom cakes?')
    await waitForAnswer(page)
    const shown = await sourcesOf(page)
    expect(shown.links.map((link) => link.href)).toContain(`${host.url}/api/v1/published/${agent.id}/knowledge/${guide}/file`)
    await page.reload()
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    expect(await sourcesOf(page)).toEqual(shown)
    expect(errors).toEqual([])
  } finally {
    await close()
  }
})
