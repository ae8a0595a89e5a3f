/**
 * Cross-origin rules of the visitor APIs, per agent or link. No allowlist: any origin may call
 * (a public endpoint). An allowlist: only its exact origins (scheme, host, port), and a request
 * without an Origin is refused too, so the list cannot be stepped around by leaving it out.
 */
import type { Context } from 'hono'
import { ApiError } from './errors.ts'

export const CORS_ALLOW_HEADERS = 'Content-Type, Last-Event-ID, Authorization, X-Porch-User-Token'

/**
 * The hosted pages (`/published/…`, `/l/…`) call this API from the host's own origin. The browser
 * says so in Sec-Fetch-Site, which page scripts cannot set, and which survives a TLS-terminating
 * proxy (where the host's own URL and the page's origin differ in scheme).
 */
const sameOrigin = (c: Context) => c.req.header('sec-fetch-site') === 'same-origin'

// Requests whose answer already varies by Origin. Not read off `c.res`: touching it makes Hono
// build a Response early and copy it into the real one, a tenth of a sync chat (BENCHMARKS.md).
const variesByOrigin = new WeakSet<Context>()

/** Checks the request's Origin against `allowed` and sets the CORS answer; throws 403 when refused. */
export function applyOrigin(c: Context, allowed: string[]): void {
  if (!variesByOrigin.has(c)) {
    variesByOrigin.add(c)
    c.header('Vary', 'Origin', { append: true })
  }
  const origin = c.req.header('origin')
  if (allowed.length > 0 && !sameOrigin(c) && (origin === undefined || !allowed.includes(origin))) {
    throw new ApiError(
      403,
      'origin_not_allowed',
      origin === undefined ? 'This chat may only be used from its allowed sites.' : `This chat may not be used from ${origin}.`,
    )
  }
  if (origin !== undefined) {
    c.header('Access-Control-Allow-Origin', origin)
    c.header('Access-Control-Expose-Headers', 'Retry-After')
  }
}

/**
 * For reads that need no origin check (a download, whose random URL is its credential): lets
 * an allowed site's script read the answer too, and never refuses.
 */
export function shareWithAllowedOrigin(c: Context, allowed: string[]): void {
  c.header('Vary', 'Origin', { append: true })
  const origin = c.req.header('origin')
  if (origin !== undefined && (allowed.length === 0 || allowed.includes(origin))) c.header('Access-Control-Allow-Origin', origin)
}

/** The answer to a CORS preflight: allowed origins get the methods and headers, others nothing. */
export function preflight(c: Context, allowed: string[]): Response {
  c.header('Vary', 'Origin', { append: true })
  const origin = c.req.header('origin')
  if (origin !== undefined && (allowed.length === 0 || allowed.includes(origin))) {
    c.header('Access-Control-Allow-Origin', origin)
    c.header('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE')
    c.header('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS)
    c.header('Access-Control-Max-Age', '600')
  }
  return c.body(null, 204)
}
