/**
 * The crawler alone, against a real site on 127.0.0.1 (pages handed to `read` as they come, no
 * parse worker): robots.txt a site fails to send closes the site to the crawl (RFC 9309), a
 * gzipped sitemap is read, the same page listed twice is fetched once, and no more than
 * `concurrency` requests are ever open at once.
 */
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DocsSite, startDocsSite } from '../../testing/docs-site.ts'
import { type CrawlOptions, crawl } from './crawl.ts'

let site: DocsSite
beforeAll(async () => {
  site = await startDocsSite()
})
afterAll(() => site?.close())

const options = (over: Partial<CrawlOptions> = {}): CrawlOptions => ({
  allowPrivate: true,
  maxBytes: 1024 * 1024,
  read: async (page) => ({ kind: 'read', links: [...page.bytes.toString().matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!, page.url).href) }),
  progress: async () => {},
  ...over,
})

describe('the crawler', () => {
  it('reads no page of a site whose robots.txt answers 503, and says why', async () => {
    const robots = site.pages.get('/robots.txt')!
    site.pages.set('/robots.txt', { body: 'busy', status: 503 })
    try {
      const seen: string[] = []
      const result = await crawl(
        { kind: 'url', urls: [`${site.url}/docs/guide.html`, `${site.url}/docs/faq.html`], followLinks: false, maxPages: 10 },
        options({
          read: async (page) => {
            seen.push(page.url)
            return { kind: 'read', links: [] }
          },
        }),
      )
      expect(seen).toEqual([])
      expect(result.pagesRead).toBe(0)
      expect(result.skipped.map((page) => page.reason)).toEqual([
        "The site's robots.txt could not be read (HTTP 503), so no page of it is read until it can be.",
        "The site's robots.txt could not be read (HTTP 503), so no page of it is read until it can be.",
      ])
    } finally {
      site.pages.set('/robots.txt', robots)
    }
  })

  it('reads a gzipped sitemap, fetching a page listed twice once, in the order listed', async () => {
    const xml = `<urlset><url><loc>${site.url}/docs/faq.html</loc></url><url><loc>${site.url}/docs/guide.html</loc></url>
      <url><loc>${site.url}/docs/faq.html#again</loc></url></urlset>`
    site.pages.set('/sitemap.xml.gz', { body: new Uint8Array(gzipSync(xml)), type: 'application/gzip' })
    const read: Array<[string, number]> = []
    const progress: Array<[number, number | null]> = []
    const result = await crawl(
      { kind: 'sitemap', url: `${site.url}/sitemap.xml.gz`, maxPages: 10 },
      options({
        read: async (page, index) => {
          read.push([page.url, index])
          return { kind: 'read', links: [] }
        },
        progress: async (done, total) => void progress.push([done, total]),
      }),
    )
    expect(read.sort((a, b) => a[1] - b[1])).toEqual([
      [`${site.url}/docs/faq.html`, 0],
      [`${site.url}/docs/guide.html`, 1],
    ])
    expect(result).toEqual({ pagesRead: 2, pagesTried: 2, skipped: [] })
    expect(progress[0]).toEqual([0, 2])
    expect(progress.at(-1)).toEqual([2, 2])
  })

  it('never has more than `concurrency` requests open at once', async () => {
    const paths = Array.from({ length: 6 }, (_, i) => `/wide/${i}.html`)
    for (const path of paths) site.pages.set(path, { body: '<p>A page.</p>', type: 'text/html' })
    const releases = new Map(paths.map((path) => [path, site.hold(path)]))
    const arrived = () => site.requests.filter((path) => path.startsWith('/wide/'))
    const running = crawl({ kind: 'url', urls: paths.map((path) => site.url + path), followLinks: false, maxPages: 10 }, options({ concurrency: 2 }))
    // Every page is held until released, one at a time: the requests open at the site are those arrived and not released.
    let most = 0
    for (let released = 0; released < paths.length; released++) {
      while (arrived().length - released < Math.min(2, paths.length - released)) await new Promise((resolve) => setTimeout(resolve, 10))
      most = Math.max(most, arrived().length - released)
      const oldest = arrived().find((path) => releases.has(path))!
      releases.get(oldest)!()
      releases.delete(oldest)
    }
    expect((await running).pagesRead).toBe(6)
    expect(most).toBe(2)
  })
})
