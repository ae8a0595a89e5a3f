/**
 * A web source's pages, found and fetched: the URLs given (and, with `followLinks`, the pages
 * they link to on the same origin under the starting URL's directory, breadth first), or the
 * pages a sitemap lists (an index followed into its sitemaps). At most `maxPages` pages are
 * tried, at most `concurrency` requests at once (polite to one site, and the parse workers that
 * follow share the host's two cores), each through the network guard, robots.txt honoured.
 *
 * The crawler only fetches: each page goes to `read` (the importer parses it in a worker), which
 * says what links it holds or why it could not be read. Pages are numbered in the order they
 * were found, so the importer can lay their chunks out in that order whatever order they finish.
 */
import type { AllowPrivate, Resolver } from '../../runtime/network/net-guard.ts'
import type { SkippedPage } from '../../store/store.ts'
import { type FetchedPage, fetchPage } from './fetch-page.ts'
import { type RobotsCheck, robotsRules } from './robots.ts'
import { readSitemap } from './sitemap.ts'

export type WebPlan = { kind: 'url'; urls: string[]; followLinks: boolean; maxPages: number } | { kind: 'sitemap'; url: string; maxPages: number }

/** What reading a fetched page gave: the links on it (HTML), or why it could not be read. */
export type PageReading = { kind: 'read'; links: string[] } | { kind: 'skipped'; reason: string }

export type CrawlOptions = {
  allowPrivate: AllowPrivate
  /** Bytes of one page (and of one sitemap). */
  maxBytes: number
  /** One request's deadline, body included. */
  timeoutMs?: number
  /** Requests at once. */
  concurrency?: number
  resolve?: Resolver
  signal?: AbortSignal
  read(page: FetchedPage, index: number): Promise<PageReading>
  /** Called as pages finish; `total` is null while it is not known (links still being followed). */
  progress(done: number, total: number | null): Promise<void>
}

export type CrawlResult = { pagesRead: number; pagesTried: number; skipped: SkippedPage[] }

/** A crawl that cannot start (its sitemap could not be read), with why in words for the owner. */
export class CrawlError extends Error {
  override name = 'CrawlError'
}

/** Sitemaps read at most for one source (an index and the sitemaps it names). */
const MAX_SITEMAPS = 50

export async function crawl(plan: WebPlan, options: CrawlOptions): Promise<CrawlResult> {
  const { maxBytes, timeoutMs = 30_000, concurrency = 2, signal } = options
  const guard = { allowPrivate: options.allowPrivate, resolve: options.resolve, timeoutMs, signal }
  const robots = robotsRules(guard)
  const skipped: Array<SkippedPage & { index: number }> = []

  const queue = plan.kind === 'sitemap' ? await sitemapPages(plan.url, plan.maxPages, robots, { ...guard, maxBytes }, skipped) : unique(plan.urls)
  const seen = new Set(queue)
  const scopes = plan.kind === 'url' && plan.followLinks ? plan.urls.map(scopeOf) : []
  const knownTotal = () => (scopes.length > 0 ? null : Math.min(queue.length, plan.maxPages))
  let pagesRead = 0
  let done = 0
  await options.progress(0, knownTotal())

  async function visit(url: string, index: number) {
    const skip = (reason: string) => skipped.push({ index, url, reason })
    const refused = await robots(new URL(url))
    if (refused) return skip(refused)
    const fetched = await fetchPage(url, { ...guard, maxBytes, maxRedirects: 5 })
    if (fetched.kind === 'skipped') return skip(fetched.reason)
    const reading = await options.read(fetched.page, index)
    if (reading.kind === 'skipped') return skip(reading.reason)
    pagesRead++
    for (const link of [fetched.page.url, ...reading.links]) {
      const target = withoutFragment(link)
      if (target && !seen.has(target) && scopes.some((scope) => inScope(target, scope))) {
        seen.add(target)
        if (target !== fetched.page.url) queue.push(target)
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    let next = 0
    let active = 0
    let failed = false
    const pump = () => {
      while (!failed && active < concurrency && next < queue.length && next < plan.maxPages && !signal?.aborted) {
        const index = next++
        active++
        visit(queue[index]!, index)
          .then(() => options.progress(++done, knownTotal()))
          .then(
            () => {
              active--
              pump()
            },
            (error: unknown) => {
              failed = true
              reject(error)
            },
          )
      }
      if (active === 0 && !failed) {
        if (signal?.aborted) reject(signal.reason)
        else resolve()
      }
    }
    pump()
  })
  skipped.sort((a, b) => a.index - b.index)
  return { pagesRead, pagesTried: done, skipped: skipped.map(({ url, reason }) => ({ url, reason })) }
}

/** The pages a sitemap (or a sitemap index, followed into its sitemaps) lists, at most `maxPages`. */
async function sitemapPages(
  url: string,
  maxPages: number,
  robots: RobotsCheck,
  options: Parameters<typeof fetchPage>[1],
  skipped: Array<SkippedPage & { index: number }>,
): Promise<string[]> {
  const pages = new Set<string>()
  const pending = [url]
  const visited = new Set<string>()
  while (pending.length > 0 && pages.size < maxPages && visited.size < MAX_SITEMAPS) {
    const sitemapUrl = pending.shift()!
    if (visited.has(sitemapUrl)) continue
    visited.add(sitemapUrl)
    const first = sitemapUrl === url
    const fail = (reason: string) => {
      if (first) throw new CrawlError(`The sitemap could not be read: ${lowerFirst(reason)}`)
      skipped.push({ index: -1, url: sitemapUrl, reason: `This sitemap could not be read: ${lowerFirst(reason)}` })
    }
    const refused = await robots(new URL(sitemapUrl))
    if (refused) {
      fail(refused)
      continue
    }
    const fetched = await fetchPage(sitemapUrl, { ...options, anyType: true })
    if (fetched.kind === 'skipped') {
      fail(fetched.reason)
      continue
    }
    let entries: ReturnType<typeof readSitemap>
    try {
      entries = readSitemap(fetched.page.bytes, options.maxBytes)
    } catch {
      fail('it is not a sitemap (an XML urlset or sitemap index).')
      continue
    }
    for (const page of entries.pages) if (pages.size < maxPages) pages.add(page)
    pending.push(...entries.sitemaps)
    if (first && entries.pages.length === 0 && entries.sitemaps.length === 0) fail('it lists no pages (no <url><loc> or <sitemap><loc>).')
  }
  return [...pages]
}

/** Links are followed on the starting URL's origin, under its directory (`/docs/guide.html` → `/docs/`). */
type Scope = { origin: string; path: string }

function scopeOf(start: string): Scope {
  const url = new URL(start)
  return { origin: url.origin, path: url.pathname.replace(/[^/]*$/, '') }
}

const inScope = (link: string, scope: Scope) => {
  const url = new URL(link)
  return url.origin === scope.origin && url.pathname.startsWith(scope.path)
}

function withoutFragment(link: string): string | null {
  try {
    const url = new URL(link)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    url.hash = ''
    return url.href
  } catch {
    return null
  }
}

const unique = (urls: string[]) => [...new Set(urls.map((url) => withoutFragment(url)).filter((url) => url !== null))]

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1)
