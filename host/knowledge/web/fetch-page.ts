/**
 * One page of a web source, fetched the polite and safe way: through the network guard (every
 * redirect hop checked, at most 5), as PorchBot, with a deadline and a size limit, and only when
 * the page is of a type the knowledge parsers read. Whatever goes wrong becomes a reason in
 * words for the owner, never an exception.
 */

import { describeNetworkFailure, type GuardOptions, guardedFetch, RefusedTargetError } from '../../runtime/network/net-guard.ts'
import { detectFormat } from '../parse.ts'

export const USER_AGENT_TOKEN = 'PorchBot'
export const USER_AGENT = `${USER_AGENT_TOKEN}/1 (+https://github.com/porch)`
const ACCEPT = 'text/html, application/xhtml+xml, text/markdown, text/plain;q=0.9, application/pdf;q=0.8, text/csv;q=0.5, application/json;q=0.5, */*;q=0.1'

export type FetchedPage = { url: string; bytes: Uint8Array; contentType: string }

export type PageFetch = { kind: 'page'; page: FetchedPage } | { kind: 'skipped'; reason: string }

export type FetchPageOptions = GuardOptions & {
  maxBytes: number
  timeoutMs: number
  signal?: AbortSignal
  /** Whether the content type must be one the parsers read (pages), or anything goes (sitemaps). */
  anyType?: boolean
}

export async function fetchPage(url: string, options: FetchPageOptions): Promise<PageFetch> {
  const { maxBytes, timeoutMs } = options
  const host = new URL(url).host
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let response: Awaited<ReturnType<typeof guardedFetch>>
  try {
    response = await guardedFetch(
      url,
      { headers: { 'user-agent': USER_AGENT, accept: ACCEPT }, signal },
      { allowPrivate: options.allowPrivate, maxRedirects: 5, resolve: options.resolve },
    )
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    return { kind: 'skipped', reason: pageFailure(error, host, timeoutMs) }
  }
  const skip = (reason: string): PageFetch => {
    response.discard()
    return { kind: 'skipped', reason }
  }
  if (response.status < 200 || response.status >= 300) return skip(statusReason(response.status))
  const contentType = String(response.headers['content-type'] ?? '')
  if (!options.anyType) {
    try {
      detectFormat({ contentType, url: response.url })
    } catch {
      const mediaType = contentType.split(';')[0]!.trim() || 'no type'
      return skip(`The page is of a type that cannot be read (${mediaType}); pages are read as HTML, markdown, text, PDF, CSV or JSON.`)
    }
  }
  const declared = Number(response.headers['content-length'])
  if (declared > maxBytes) return skip(tooLarge(maxBytes))
  try {
    const { data, truncated } = await response.readBytes(maxBytes)
    if (truncated) return { kind: 'skipped', reason: tooLarge(maxBytes) }
    return { kind: 'page', page: { url: response.url, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), contentType } }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    return { kind: 'skipped', reason: pageFailure(timeout.aborted ? timeout.reason : error, host, timeoutMs) }
  }
}

/** A failed request in words for the owner (the guard's refusal, a timeout, what the network said). */
export function pageFailure(error: unknown, host: string, timeoutMs: number): string {
  if (error instanceof RefusedTargetError || (error instanceof Error && error.cause instanceof RefusedTargetError)) {
    const refusal = describeNetworkFailure(error, host).replace(/^refused( redirect \d+)?: /, '')
    return `Not fetched: ${refusal}, and this host does not fetch private addresses.`
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `The page did not arrive within ${Math.round(timeoutMs / 1000)} s.`
  }
  const said = describeNetworkFailure(error, host)
  return `The page could not be fetched (${said}).`
}

function statusReason(status: number): string {
  if (status === 404 || status === 410) return `The page was not found (HTTP ${status}).`
  if (status === 401 || status === 403) return `The site refused access to the page (HTTP ${status}); only public pages can be read.`
  if (status >= 500) return `The site failed to send the page (HTTP ${status}).`
  if (status >= 300 && status < 400) return `The page redirects too many times or to nowhere (HTTP ${status}).`
  return `The site answered HTTP ${status} instead of the page.`
}

function tooLarge(maxBytes: number): string {
  const size = maxBytes >= 1024 * 1024 ? `${+(maxBytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(maxBytes / 1024)} KiB`
  return `The page is larger than ${size}, the largest a knowledge source may be.`
}
