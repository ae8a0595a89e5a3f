/**
 * The agent's Knowledge tab in Chromium against a real host: an editor pastes a text, uploads a
 * markdown file and a PDF (picked) and another markdown file (dropped), sees them read, inspects a
 * source's chunks, downloads what was uploaded, searches the draft and finds the expected chunk
 * first, sees a scanned PDF fail with the host's reason, and deletes a source; a viewer reads
 * and searches but finds no way to change anything.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { minimalPdf } from '../../host/knowledge/fixtures/make-pdfs.ts'
import { SCANNED_PDF_MESSAGE } from '../../host/knowledge/parse-pdf.ts'
import type { TestHost } from '../../host/testing/harness.ts'
import type { Agent } from '../../shared/index.ts'
import { launchBrowser } from '../testing/browser.ts'
import { startPorch } from '../testing/e2e.ts'
import { feedback, screenshot, signIn } from './e2e-helpers.ts'

let browser: Browser
let host: TestHost
let context: BrowserContext
let page: Page
let agent: Agent

const GUIDE_MD = `# Bakery guide

## Custom cakes

Order custom cakes three days ahead. We deliver them after noon.

## Sourdough

Our sourdough starter is called Gertrude and is fed twice a day.
`
const HANDBOOK_PDF = minimalPdf([
  { lines: ['Opening hours', 'The bakery is open Monday to Friday from 7:00 to 18:00.'] },
  { lines: ['Allergens', 'Ask us for the gluten-free rye, baked on Thursdays.'] },
])
const SCANNED_PDF = minimalPdf([{ drawing: '0.8 g 72 72 468 648 re f' }])
const DELIVERY = 'We deliver within 5 km of the shop, every day but Sunday.'
const RETURNS_MD = '# Returns\n\nBread may be returned on the day it was bought.'

/** The Size column for these small sources (all under 1 KiB but the PDF, perhaps). */
function sizeText(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength
  return bytes < 1024 ? `${bytes} bytes` : `${+(bytes / 1024).toFixed(1)} KiB`
}

beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
  agent = await host.owner.publishedAgent({ name: 'Bakery agent', model: 'demo:instant' })
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
})
afterAll(async () => {
  await context?.close()
  await browser?.close()
  await host?.stop()
})

/** Each source row's cells as text (visually hidden text included), the Updated column left out. */
const rows = (p: Page) =>
  p
    .getByRole('region', { name: 'Knowledge sources table' })
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.children].filter((_, index) => index !== 6).map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())),
    )

/** Waits until the table lists `count` sources and none is importing any more (the tab polls by itself). */
async function settled(p: Page, count: number): Promise<string[][]> {
  await p.waitForFunction((n) => {
    const trs = [...document.querySelectorAll('porch-console-agent-knowledge tbody tr')]
    return trs.length === n && trs.every((tr) => !tr.textContent?.includes('Importing'))
  }, count)
  return rows(p)
}

const draftSources = async () => (await host.owner.call('GET', `/agents/${agent.id}/knowledge/sources`)).body.sources as { title: string }[]

describe('the Knowledge tab', () => {
  it('adds a text and files, shows their chunks, searches the draft, and deletes a source', async () => {
    await signIn(page, `${host.url}/console/`)
    await page.getByRole('link', { name: 'Bakery agent' }).click()
    await page.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Knowledge' }).click()
    await page.getByText('No knowledge yet.').waitFor()
    expect(new URL(page.url()).pathname).toBe(`/console/agents/${agent.id}/knowledge`)

    // Paste a text (the default form).
    await page.getByLabel('Title', { exact: true }).fill('Delivery')
    await page.getByLabel('Text', { exact: true }).fill(DELIVERY)
    await page.getByRole('button', { name: 'Add text' }).click()
    await feedback(page, /“Delivery” (added: 1 chunk\.|is being read…)/)

    // Upload a markdown file and a PDF with the file picker, then a markdown file by dropping it.
    await page.getByLabel('Upload files').check()
    await page.getByLabel('Files', { exact: true }).setInputFiles([
      { name: 'guide.md', mimeType: 'text/markdown', buffer: Buffer.from(GUIDE_MD) },
      { name: 'handbook.pdf', mimeType: 'application/pdf', buffer: Buffer.from(HANDBOOK_PDF) },
    ])
    await feedback(page, '2 of 2 files uploaded.')
    await page.locator('.drop-zone').evaluate((zone, text) => {
      const files = new DataTransfer()
      files.items.add(new File([text], 'returns.md', { type: '' }))
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true }))
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }))
    }, RETURNS_MD)
    await feedback(page, '1 of 1 file uploaded.')

    expect(await settled(page, 4)).toEqual([
      ['Delivery show chunks', 'Text', 'Delivery.txt', 'Ready', '1', sizeText(DELIVERY), 'Delete Delivery'],
      ['guide show chunks', 'File', 'guide.md', 'Ready', '2', sizeText(GUIDE_MD), 'Delete guide'],
      ['handbook show chunks', 'File', 'handbook.pdf', 'Ready', '2', sizeText(HANDBOOK_PDF), 'Delete handbook'],
      ['returns show chunks', 'File', 'returns.md', 'Ready', '1', sizeText(RETURNS_MD), 'Delete returns'],
    ])
    await screenshot(page, 'agent-knowledge')

    // Inspect a source: focus moves to its chunks, each with where it sits in the document.
    await page.getByRole('button', { name: 'handbook show chunks' }).click()
    const chunks = page.getByRole('list', { name: 'Chunks of “handbook”' })
    await chunks.waitFor()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('knowledge-chunks-heading')
    const chunkTexts = await chunks.locator(':scope > li').allInnerTexts()
    expect(chunkTexts).toHaveLength(2)
    expect(chunkTexts[0]).toContain('Monday to Friday from 7:00 to 18:00')
    expect(chunkTexts[1]).toContain('gluten-free rye')
    // What was uploaded downloads byte for byte, with the console's cookie.
    const download = await page.getByRole('link', { name: 'Download the file handbook' }).getAttribute('href')
    const downloaded = await page.request.get(`${host.url}${download}`)
    expect(downloaded.status()).toBe(200)
    expect(Buffer.from(await downloaded.body()).equals(Buffer.from(HANDBOOK_PDF))).toBe(true)
    await screenshot(page, 'agent-knowledge-chunks')
    // Close puts focus back where it was; the keyboard opens them again.
    await page.getByRole('button', { name: 'Close the chunks' }).click()
    await chunks.waitFor({ state: 'detached' })
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('handbook show chunks')
    await page.keyboard.press('Enter')
    await chunks.waitFor()

    // Search the draft: the chunk that answers comes first.
    await page.getByLabel('Question or words').fill('sourdough starter')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await feedback(page, /^\d+ hits?\.$/)
    const hits = page.getByRole('list', { name: 'Results for “sourdough starter”' }).locator(':scope > li')
    const first = await hits.first().innerText()
    expect(first).toMatch(/^#1\s+Bakery guide › Sourdough\s+score \d/) // the chunk's title is the document's own heading
    expect(first).toContain('Gertrude')
    expect(await hits.first().getByRole('link', { name: 'Download the source Bakery guide' }).count()).toBe(1)
    await page.getByLabel('Question or words').fill('zeppelin')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await feedback(page, 'Nothing found.')
    expect(await page.getByRole('list', { name: /^Results for/ }).count()).toBe(0)
    await screenshot(page, 'agent-knowledge-search')

    // Delete asks first; Cancel keeps the source, Yes deletes it from the draft.
    await page.getByRole('button', { name: 'Delete handbook' }).click()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Delete handbook' }).click()
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await feedback(page, '“handbook” is deleted from the draft')
    expect((await rows(page)).map((row) => row[0])).toEqual(['Delivery show chunks', 'guide show chunks', 'returns show chunks'])
    expect(await chunks.count()).toBe(0) // its open chunks closed with it
    expect((await draftSources()).map((s) => s.title)).toEqual(['Delivery', 'guide', 'returns'])
  })

  it('shows a refused upload and a source that cannot be read, each with the host’s reason', async () => {
    // A file the host refuses outright (400) is named with the host's reason; the others still go up.
    await page.getByLabel('Files', { exact: true }).setInputFiles([
      { name: 'empty.md', mimeType: 'text/markdown', buffer: Buffer.alloc(0) },
      { name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from(SCANNED_PDF) },
    ])
    await feedback(page, '1 of 2 files uploaded. Failed: empty.md: The file is empty.')
    const failed = (await settled(page, 4)).at(-1)
    expect(failed!.slice(0, 5)).toEqual(['scan show chunks', 'File', 'scan.pdf', `Failed ${SCANNED_PDF_MESSAGE}`, '0'])
  })

  it('shows a viewer the knowledge and lets them search it, with no way to change it', async () => {
    const created = await host.owner.call('POST', '/owner-keys', { name: 'A viewer', role: 'viewer' })
    expect(created.status).toBe(201)
    const viewerContext = await browser.newContext()
    try {
      const viewer = await viewerContext.newPage()
      viewer.setDefaultTimeout(15_000)
      await signIn(viewer, `${host.url}/console/`, created.body.key)
      await viewer.goto(`${host.url}/console/agents/${agent.id}/knowledge`)
      await viewer.getByText('Your role (viewer) can read the knowledge but not change it.').waitFor()
      expect((await settled(viewer, 4)).map((row) => row.length)).toEqual([6, 6, 6, 6]) // no Actions column
      expect(await viewer.getByRole('heading', { name: 'Add knowledge' }).count()).toBe(0)
      expect(await viewer.getByRole('button', { name: /^(Delete|Refresh|Add text)/ }).count()).toBe(0)
      expect(await viewer.locator('input[type="file"], textarea').count()).toBe(0)

      await viewer.getByRole('button', { name: 'guide show chunks' }).click()
      const chunks = viewer.getByRole('list', { name: 'Chunks of “guide”' })
      await chunks.waitFor()
      expect(await chunks.locator(':scope > li').count()).toBe(2)
      await viewer.getByLabel('Question or words').fill('deliver')
      await viewer.getByRole('button', { name: 'Search', exact: true }).click()
      await feedback(viewer, /^\d+ hits?\.$/)
      expect(await viewer.getByRole('list', { name: 'Results for “deliver”' }).locator(':scope > li').count()).toBeGreaterThan(0)
    } finally {
      await viewerContext.close()
    }
  })
})
