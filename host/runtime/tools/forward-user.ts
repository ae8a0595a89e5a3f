/**
 * HTTP tools and MCP servers with `forward_user: true` tell the owner's API which verified
 * visitor (signed visitor identity) the agent acts for, with a signature that API can check
 * under the agent's identity secret: HMAC-SHA256, hex, over `{timestamp}.{user id}.{sha256 hex
 * of the request body}` (the empty body's hash for GET and DELETE). docs/protocol.md has the
 * verifying side.
 */
import { createHash } from 'node:crypto'

/** The verified visitor a run's tools may forward, and the HMAC under the agent's identity secret (hex). */
export type ForwardedUser = { id: string; sign(text: string): string }

export const FORWARDED_USER_HEADERS = {
  userId: 'X-Porch-User-Id',
  timestamp: 'X-Porch-Timestamp',
  signature: 'X-Porch-Signature',
} as const

/** The string a forwarded user's signature covers. */
export const forwardedUserPayload = (timestamp: string, userId: string, body: string | Uint8Array | undefined) =>
  `${timestamp}.${userId}.${createHash('sha256')
    .update(body ?? '')
    .digest('hex')}`

export function forwardedUserHeaders(user: ForwardedUser, body: string | Uint8Array | undefined, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000))
  return {
    [FORWARDED_USER_HEADERS.userId]: user.id,
    [FORWARDED_USER_HEADERS.timestamp]: timestamp,
    [FORWARDED_USER_HEADERS.signature]: `v1=${user.sign(forwardedUserPayload(timestamp, user.id, body))}`,
  }
}
