/** Random tokens, their hashes, and constant-time comparison: secrets are stored only as hashes. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A 256-bit random token, base64url, with a readable prefix so leaked tokens are recognisable. */
export const randomToken = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex')

const LOWER_HEX = /^[0-9a-f]+$/

/**
 * Compares two hex digests (as sha256Hex writes them: lowercase) without leaking where they
 * differ. Compared as text: decoding them from hex would stop at the first non-hex character,
 * so `abcg` and `abch` would compare equal.
 */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== b.length || !LOWER_HEX.test(a) || !LOWER_HEX.test(b)) return false
  return timingSafeEqual(Buffer.from(a, 'ascii'), Buffer.from(b, 'ascii'))
}
