/**
 * robots.txt, as RFC 9309 reads it: fetched once per origin per crawl (through the network
 * guard, redirects followed), parsed by `robots-parser`, and applied to every page of that
 * origin for the token `PorchBot`. A missing file (any 4xx) allows everything; a file the server
 * failed to send (5xx) or that could not be reached disallows everything on that origin: the
 * RFC's "assume complete disallow" while the site's wishes are unknown.
 */
import robotsParser from 'robots-parser'
import { type GuardOptions, guardedFetch } from '../../runtime/network/net-guard.ts'
import { pageFailure, USER_AGENT, USER_AGENT_TOKEN } from './fetch-page.ts'

/** The RFC asks crawlers to read at least 500 KiB of a robots.txt; the rest is ignored. */
const ROBOTS_MAX_BYTES = 500 * 1024

/** Whether PorchBot may read a page: null when it may, else why not, in words for the owner. */
export type RobotsCheck = (url: URL) => Promise<string | null>

export function robotsRules(options: GuardOptions & { timeoutMs: number; signal?: AbortSignal }): RobotsCheck {
  const byOrigin = new Map<string, Promise<(url: URL) => string | null>>()

  async function load(origin: string): Promise<(url: URL) => string | null> {
    const robotsUrl = `${origin}/robots.txt`
    let response: Awaited<ReturnType<typeof guardedFetch>>
    try {
      response = await guardedFetch(
        robotsUrl,
        { headers: { 'user-agent': USER_AGENT, accept: 'text/plain' }, signal: signalFor(options) },
        { allowPrivate: options.allowPrivate, maxRedirects: 5, resolve: options.resolve },
      )
    } catch (error) {
      const reason = pageFailure(error, new URL(origin).host, options.timeoutMs)
      return () => reason
    }
    if (response.status >= 400 && response.status < 500) {
      response.discard()
      return () => null
    }
    if (response.status < 200 || response.status >= 300) {
      response.discard()
      const reason = `The site's robots.txt could not be read (HTTP ${response.status}), so no page of it is read until it can be.`
      return () => reason
    }
    let text: string
    try {
      text = (await response.readText(ROBOTS_MAX_BYTES)).text
    } catch (error) {
      const reason = pageFailure(error, new URL(origin).host, options.timeoutMs)
      return () => reason
    }
    const robots = robotsParser(robotsUrl, text)
    return (url) =>
      robots.isAllowed(url.href, USER_AGENT_TOKEN) === false ? `The site's robots.txt does not allow ${USER_AGENT_TOKEN} to read this page.` : null
  }

  return async (url) => {
    let rules = byOrigin.get(url.origin)
    if (!rules) {
      rules = load(url.origin)
      byOrigin.set(url.origin, rules)
    }
    return (await rules)(url)
  }
}

function signalFor({ timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal }): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal ? AbortSignal.any([signal, timeout]) : timeout
}
