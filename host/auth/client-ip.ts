/**
 * The visitor's IP for limits and quotas. Only the last `trustHops` proxies are believed: each
 * appends the address it saw to X-Forwarded-For, so the client is that many entries from the
 * right. Whatever a client writes into the header itself sits further left and is ignored.
 */

import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'

export function clientIp(c: Context, trustHops: number): string {
  let remote = 'unknown'
  try {
    remote = getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    // Not on a Node socket (app.request in tests): there is no peer address.
  }
  if (trustHops === 0) return remote
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  const chain = [...forwarded, remote]
  return chain[Math.max(0, chain.length - 1 - trustHops)] ?? remote
}
