/**
 * The short-lived token a visitor gets for unlocking a password link: signed with the host's
 * secret, bound to one link, and checked against the database on every use as well (so a
 * disabled, expired or deleted link stops working at once, token or not).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const VISITOR_TOKEN_SECONDS = 2 * 60 * 60

export type VisitorClaims = { subject: string; visitorId: string; expiresAt: number }

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url')

/** `subject` names what the token opens: a link (and its password generation, see links.ts). */
export function issueVisitorToken(secret: string, subject: string, now = Date.now()): string {
  const claims = { l: subject, v: randomBytes(12).toString('base64url'), e: Math.floor(now / 1000) + VISITOR_TOKEN_SECONDS }
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `pv1.${payload}.${sign(secret, payload)}`
}

/** The token's claims if it is well-formed, signed by us, for `subject` and not expired; else null. */
export function verifyVisitorToken(secret: string, token: string, subject: string, now = Date.now()): VisitorClaims | null {
  const [version, payload, signature] = token.split('.')
  if (version !== 'pv1' || !payload || !signature) return null
  const expected = Buffer.from(sign(secret, payload))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { l?: unknown; v?: unknown; e?: unknown }
    if (claims.l !== subject || typeof claims.v !== 'string' || typeof claims.e !== 'number' || claims.e * 1000 <= now) return null
    return { subject: claims.l, visitorId: claims.v, expiresAt: claims.e }
  } catch {
    return null
  }
}
