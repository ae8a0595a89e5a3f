/**
 * Web sources on the Knowledge tab, in Chromium against a real host and a real documentation
 * site on 127.0.0.1: an editor adds a folder of pages with links followed and watches its
 * progress, sees the pages that were skipped and why (robots.txt, a 404), inspects chunks that
 * link to their page and heading, refreshes the source (the old chunks answer searches until the
 * new read replaces them), adds a sitemap, and sees a site with nothing to read fail in words.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import type { Agent } from '../../shared/index.ts'
import { launchBrowser } from '../testing/browser.ts'
import { startPorch } from '../testing/e2e.ts'
import { feedback, screenshot, signIn } from './e2e-helpers.ts'

let browser: Browser
let host: TestHost
let site: Server
let siteUrl = ''
let context: BrowserContext
let page: Page
let agent: Agent

/** What the install page says; the refresh test changes it. */
let installText = 'Run apt install porch on Debian.'
/** While set, the install page waits for it: the test sees the import in progress, then lets it go. */
let held: { release: () => void; promise: Promise<void> } | null = null

function hold(): () => void {
  let release = () => {}
  const promise = new Promise<void>((resolve) => {
    release = resolve
  })
  held = { release, promise }
  return () => {
    held = null
    release()
  }
}

const htmlPage = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`

async function serveSite(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://site').pathname
  const send = (status: number, type: string, body: string) => {
    response.writeHead(status, { 'content-type': type })
    response.end(body)
  }
  switch (path) {
    case '/robots.txt':
      return send(200, 'text/plain', 'User-agent: *\nDisallow: /docs/private.html\n')
    case '/docs/':
      return send(
        200,
        'text/html; charset=utf-8',
        htmlPage(
          'Porch docs',
          `<h1>Porch docs</h1><p>Welcome to the handbook of the porch swing.</p>
          <a href="install.html">Install</a> <a href="private.html">Private</a> <a href="missing.html">Missing</a> <a href="/blog/post.html">Blog</a>`,
        ),
      )
    case '/docs/install.html':
      if (held) await held.promise
      return send(200, 'text/html; charset=utf-8', htmlPage('Install', `<h1>Install</h1><h2 id="linux">On Linux</h2><p>${installText}</p>`))
    case '/docs/private.html':
      return send(200, 'text/html; charset=utf-8', htmlPage('Private', '<p>Staff only: the secret handshake.</p>'))
    case '/blog/post.html':
      return send(200, 'text/html; charset=utf-8', htmlPage('Blog', '<p>Outside the docs folder: never followed.</p>'))
    case '/sitemap.xml':
      return send(
        200,
        'application/xml',
        `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${siteUrl}/docs/</loc></url><url><loc>${siteUrl}/docs/install.html</loc></url></urlset>`,
      )
    default:
      return send(404, 'text/plain', 'Not found')
  }
}

beforeAll(async () => {
  site = createServer((request, response) => void serveSite(request, response))
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ PORCH_KNOWLEDGE_ALLOW_PRIVATE: '1' })])
  agent = await host.owner.publishedAgent({ name: 'Docs agent', model: 'demo:instant' })
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(20_000)
})
afterAll(async () => {
  held?.release()
  await context?.close()
  await browser?.close()
  await host?.stop()
  await new Promise((resolve) => site?.close(resolve))
})

/** The cells of the row of the source titled `title` (visually hidden text included). */
const row = (title: string) =>
  page
    .getByRole('region', { name: 'Knowledge sources table' })
    .locator('tbody tr')
    .filter({ has: page.getByRole('button', { name: `${title} show chunks`, exact: true }) })

/** Waits until the source's row no longer says Importing. */
async function settled(title: string): Promise<string> {
  const cells = row(title)
  await cells.waitFor()
  await page.waitForFunction((el) => !el?.textContent?.includes('Importing'), await cells.elementHandle())
  return (await cells.innerText()).replace(/\s+/g, ' ')
}

async function search(q: string) {
  await page.getByLabel('Question or words').fill(q)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await feedback(page, /^(\d+ hits?|Nothing found)\.$/)
  return page.getByRole('list', { name: `Results for “${q}”` }).locator(':scope > li')
}

describe('web sources on the Knowledge tab', () => {
  it('adds a folder of pages with links followed, shows its progress and skipped pages, and links chunks to their page', async () => {
    await signIn(page, `${host.url}/console/`)
    await page.goto(`${host.url}/console/agents/${agent.id}/knowledge`)
    await page.getByText('No knowledge yet.').waitFor()

    await page.getByLabel('Web pages', { exact: true }).check()
    await page.getByLabel('Page URLs').fill(`${siteUrl}/docs/`)
    await page.getByLabel(/Follow links/).check()
    await page.getByLabel('Title (optional)').fill('Docs')
    await page.getByLabel('Most pages (optional)').fill('10')
    const release = hold()
    await page.getByRole('button', { name: 'Add web pages' }).click()
    await feedback(page, '“Docs” is being read…')

    // While the install page is held, the row shows the import's progress.
    expect(await row('Docs').innerText()).toContain('Importing')
    await page.getByRole('progressbar', { name: 'Pages read of “Docs”' }).waitFor()
    expect(await row('Docs').innerText()).toMatch(/\d+ (\/ \d+ pages|pages? read)/)
    await screenshot(page, 'agent-knowledge-web-progress')
    release()

    const done = await settled('Docs')
    expect(done).toContain('Web pages')
    expect(done).toContain('Ready')
    expect(done).toContain('2 pages skipped') // robots.txt and the 404; the blog is outside the folder, never tried
    await row('Docs').getByText('2 pages skipped').click()
    const skipped = await row('Docs').locator('.skipped li').allInnerTexts()
    expect(skipped.map((line) => line.split(': ')[0])).toEqual([`${siteUrl}/docs/private.html`, `${siteUrl}/docs/missing.html`])
    for (const line of skipped) expect(line.split(': ')[1]?.length).toBeGreaterThan(0)
    // The origin links to its page once; the skipped pages under it have links of their own.
    expect(
      await row('Docs')
        .getByRole('link', { name: `${siteUrl}/docs/`, exact: true })
        .count(),
    ).toBe(1)

    await page.getByRole('button', { name: 'Docs show chunks' }).click()
    const chunks = page.getByRole('list', { name: 'Chunks of “Docs”' })
    await chunks.waitFor()
    expect(await chunks.getByRole('link', { name: `${siteUrl}/docs/install.html#linux` }).count()).toBe(1)
    expect(await chunks.innerText()).not.toContain('secret handshake')
    expect(await chunks.innerText()).not.toContain('never followed')
    await screenshot(page, 'agent-knowledge-web')

    const hits = await search('apt install porch')
    expect(await hits.first().getByRole('link').getAttribute('href')).toBe(`${siteUrl}/docs/install.html#linux`)
  })

  it('refreshes a web source: its old chunks answer until the new read replaces them', async () => {
    installText = 'Run apt-get install porch-swing on Debian.'
    const release = hold()
    await row('Docs').getByRole('button', { name: 'Refresh Docs' }).click()
    await feedback(page, 'is being fetched again')
    expect(await row('Docs').innerText()).toContain('Importing')
    expect(await row('Docs').getByRole('button', { name: 'Refresh Docs' }).isDisabled()).toBe(true)
    expect(await (await search('apt install porch')).count()).toBeGreaterThan(0)
    release()

    expect(await settled('Docs')).toContain('Ready')
    // A query is read as words ('apt-get' is apt OR get), and only the install page ever said
    // apt: every hit is the new read of it, none the old.
    const hits = await search('apt-get')
    const texts = await hits.allInnerTexts()
    expect(texts.length).toBeGreaterThan(0)
    for (const text of texts) {
      expect(text).toContain('apt-get install porch-swing')
      expect(text).not.toContain('apt install porch on')
    }
  })

  it('adds a sitemap, and shows a site with nothing to read as failed, in words', async () => {
    await page.getByLabel('Sitemap', { exact: true }).check()
    await page.getByLabel('Sitemap URL').fill(`${siteUrl}/sitemap.xml`)
    await page.getByLabel('Title (optional)').fill('Docs by sitemap')
    await page.getByRole('button', { name: 'Add sitemap' }).click()
    const bySitemap = await settled('Docs by sitemap')
    expect(bySitemap).toContain('Sitemap')
    expect(bySitemap).toContain('Ready')

    await page.getByLabel('Web pages', { exact: true }).check()
    await page.getByLabel('Page URLs').fill(`${siteUrl}/nowhere/`)
    await page.getByLabel('Title (optional)').fill('Nowhere')
    await page.getByRole('button', { name: 'Add web pages' }).click()
    const failed = await settled('Nowhere')
    expect(failed).toContain('Failed')
    // The badge says Failed; the message beside it says why, in words.
    expect(await row('Nowhere').locator('.source-status .error:not(.badge)').innerText()).toMatch(/not found/i)

    // Files and texts are not fetched again, so they have no Refresh.
    const id = (await host.owner.call('POST', `/agents/${agent.id}/knowledge/sources`, { kind: 'text', title: 'Note', text: 'A note.' })).body.id
    expect(id).toBeTruthy()
    await page.reload()
    await row('Note').waitFor()
    expect(
      await row('Note')
        .getByRole('button', { name: /^Refresh/ })
        .count(),
    ).toBe(0)
  })
})
