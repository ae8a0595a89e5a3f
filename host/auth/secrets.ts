/** Random tokens, their hashes, and constant-time comparison: secrets are stored only as hashes. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A 256-bit random token, base64url, with a readable prefix so leaked tokens are recognisable. */
export const randomToken = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex')

/** Compares two hex digests without leaking where they differ. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right)
}
