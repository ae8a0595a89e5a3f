/**
 * `KEY.SECRET` credentials (chat API keys and owner keys): KEY is a public id, SECRET 256
 * random bits of which only the SHA-256 is stored. Shown once, at creation or refresh.
 */
import { randomBytes } from 'node:crypto'
import { hashesEqual, sha256Hex } from './secrets.ts'

export type IssuedKey = { id: string; secret: string; secretHash: string; credential: string }

export function issueKey(prefix: string, id = `${prefix}_${randomBytes(9).toString('base64url')}`): IssuedKey {
  const secret = randomBytes(32).toString('base64url')
  return { id, secret, secretHash: sha256Hex(secret), credential: `${id}.${secret}` }
}

/** Splits a bearer credential into its id and secret, or null when it is not of that shape. */
export function parseCredential(credential: string, prefix: string): { id: string; secret: string } | null {
  const match = new RegExp(`^(${prefix}_[A-Za-z0-9_-]{8,32})\\.([A-Za-z0-9_-]{32,128})$`).exec(credential)
  return match ? { id: match[1]!, secret: match[2]! } : null
}

export const secretMatches = (secret: string, storedHash: string) => hashesEqual(sha256Hex(secret), storedHash)

/** The bearer credential of a request, or null. */
export function bearer(header: string | undefined): string | null {
  const match = /^Bearer[ ]+([\x21-\x7e]{1,512})$/i.exec(header ?? '')
  return match ? match[1]! : null
}
