/**
 * Hono's bodyLimit, without its cost on the common path. Hono's middleware first asks for the
 * request's body stream, which makes @hono/node-server build a full web Request over the socket
 * and then read every body through it: about a tenth of a small chat's CPU (BENCHMARKS.md,
 * issue 7). A request without a body, or one that declares its Content-Length (every client we
 * know of, for JSON), is judged by its headers alone and its body is read later by the fast
 * path; only a chunked body goes through Hono's counting reader.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit as countingBodyLimit } from 'hono/body-limit'

export type BodyLimitOptions = { maxSize: number; onError: (c: Context) => Response | Promise<Response> }

/** Refused bodies declared up to this size are read and dropped; larger or undeclared ones cost the connection. */
const DRAIN_MAX_BYTES = 16 * 1024 * 1024

/**
 * How a refused body's connection ends: `{}` when Node may read the rest of the body and drop it
 * (a declared length up to DRAIN_MAX_BYTES: Node does so for a kept-alive connection once the
 * answer is sent), else `Connection: close`. Closing on a body still arriving resets the
 * connection under the sender: a proxy such as nginx, still sending, then answers 502 instead of
 * the 413 and counts the host as failed (deploy/nginx/porch.conf).
 */
export function refusedBodyHeaders(c: Context): Record<string, string> {
  const declared = Number(c.req.header('content-length'))
  const drainable = Number.isSafeInteger(declared) && declared <= DRAIN_MAX_BYTES && c.req.header('transfer-encoding') === undefined
  return drainable ? {} : { Connection: 'close' }
}

export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const counting = countingBodyLimit(options)
  return async function bodyLimit(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const length = c.req.header('content-length')
    const declared = Number(length)
    if (length === undefined || !Number.isSafeInteger(declared) || c.req.header('transfer-encoding') !== undefined) return counting(c, next)
    return declared > options.maxSize ? options.onError(c) : next()
  }
}
