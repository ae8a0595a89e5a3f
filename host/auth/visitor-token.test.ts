/** Visitor tokens: signed, bound to one subject, expiring after VISITOR_TOKEN_SECONDS; anything else is null. */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { issueVisitorToken, VISITOR_TOKEN_SECONDS, verifyVisitorToken } from './visitor-token.ts'

const SECRET = 'host-secret'
const SUBJECT = 'link-1.abcdef0123456789'
const NOW = Date.UTC(2030, 0, 1) // a whole second
const EXPIRES = NOW / 1000 + VISITOR_TOKEN_SECONDS

const token = issueVisitorToken(SECRET, SUBJECT, NOW)
const [, payload, signature] = token.split('.') as [string, string, string]
const claimsOf = (encoded: string) => JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>
const encode = (claims: unknown) => Buffer.from(JSON.stringify(claims)).toString('base64url')
const signed = (encodedPayload: string, secret = SECRET) => `pv1.${encodedPayload}.${createHmac('sha256', secret).update(encodedPayload).digest('base64url')}`

describe('issueVisitorToken', () => {
  it('issues pv1.PAYLOAD.SIGNATURE naming the subject, a visitor and the expiry', () => {
    expect(token).toMatch(/^pv1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
    const claims = claimsOf(payload)
    expect(claims).toEqual({ l: SUBJECT, v: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), e: EXPIRES })
  })

  it('gives every token its own visitor id', () => {
    const other = issueVisitorToken(SECRET, SUBJECT, NOW)
    expect(verifyVisitorToken(SECRET, other, SUBJECT, NOW)!.visitorId).not.toBe(verifyVisitorToken(SECRET, token, SUBJECT, NOW)!.visitorId)
  })
})

describe('verifyVisitorToken', () => {
  it('returns the claims of a good token', () => {
    expect(verifyVisitorToken(SECRET, token, SUBJECT, NOW)).toEqual({ subject: SUBJECT, visitorId: claimsOf(payload).v, expiresAt: EXPIRES })
  })

  it('holds until the last millisecond before expiry, and not at it', () => {
    expect(verifyVisitorToken(SECRET, token, SUBJECT, EXPIRES * 1000 - 1)).not.toBeNull()
    expect(verifyVisitorToken(SECRET, token, SUBJECT, EXPIRES * 1000)).toBeNull()
    expect(verifyVisitorToken(SECRET, token, SUBJECT, EXPIRES * 1000 + 60_000)).toBeNull()
  })

  it('is null for another subject (another link, or the same link after its password changed)', () => {
    expect(verifyVisitorToken(SECRET, token, 'link-2.abcdef0123456789', NOW)).toBeNull()
    expect(verifyVisitorToken(SECRET, token, 'link-1.0000000000000000', NOW)).toBeNull()
  })

  it('is null under another secret', () => {
    expect(verifyVisitorToken('other-secret', token, SUBJECT, NOW)).toBeNull()
  })

  it('is null when the payload was changed, even to valid claims', () => {
    const longer = encode({ ...claimsOf(payload), e: EXPIRES + 10 * VISITOR_TOKEN_SECONDS })
    expect(verifyVisitorToken(SECRET, `pv1.${longer}.${signature}`, SUBJECT, NOW)).toBeNull()
  })

  it('is null when the signature was changed or cut', () => {
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
    expect(verifyVisitorToken(SECRET, `pv1.${payload}.${flipped}`, SUBJECT, NOW)).toBeNull()
    expect(verifyVisitorToken(SECRET, `pv1.${payload}.${signature.slice(0, -1)}`, SUBJECT, NOW)).toBeNull()
    expect(verifyVisitorToken(SECRET, `pv1.${payload}.`, SUBJECT, NOW)).toBeNull()
  })

  it.each(['', 'pv1', `pv2.${payload}.${signature}`, `PV1.${payload}.${signature}`, `.${payload}.${signature}`, `pv1..${signature}`, 'not a token'])(
    'is null for %j',
    (value) => {
      expect(verifyVisitorToken(SECRET, value, SUBJECT, NOW)).toBeNull()
    },
  )

  it('is null for correctly signed claims of the wrong shape', () => {
    const good = claimsOf(payload)
    for (const claims of [{ ...good, v: 5 }, { ...good, e: String(EXPIRES) }, { l: SUBJECT, e: EXPIRES }, [SUBJECT], 'text', null]) {
      expect(verifyVisitorToken(SECRET, signed(encode(claims)), SUBJECT, NOW), JSON.stringify(claims)).toBeNull()
    }
    expect(verifyVisitorToken(SECRET, signed(Buffer.from('{not json').toString('base64url')), SUBJECT, NOW)).toBeNull()
    expect(verifyVisitorToken(SECRET, signed(encode(good)), SUBJECT, NOW)).not.toBeNull() // the helper signs as the host does
  })
})
