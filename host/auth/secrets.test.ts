/** randomToken, sha256Hex and hashesEqual. */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashesEqual, randomToken, sha256Hex } from './secrets.ts'

describe('randomToken', () => {
  it('is the prefix and 256 random bits in base64url', () => {
    const token = randomToken('porch')
    expect(token).toMatch(/^porch_[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token.slice('porch_'.length), 'base64url')).toHaveLength(32)
  })

  it('is different every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => randomToken('t')))
    expect(tokens.size).toBe(100)
  })
})

describe('sha256Hex', () => {
  it('is the lowercase hex SHA-256 of the UTF-8 text', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    )
  })
})

describe('hashesEqual', () => {
  const a = sha256Hex('a')
  const b = sha256Hex('b')

  it('is true for the same digest, as sha256Hex writes it (lowercase)', () => {
    expect(hashesEqual(a, a)).toBe(true)
    expect(hashesEqual(a, a.toUpperCase())).toBe(false)
  })

  it('compares every character, not only the leading hex digits', () => {
    // Decoded from hex, both would end at the `g`/`h` and compare equal.
    expect(hashesEqual('abcg', 'abch')).toBe(false)
    expect(hashesEqual(`${a.slice(0, -1)}g`, `${a.slice(0, -1)}h`)).toBe(false)
  })

  it('is false for different digests, even one digit apart', () => {
    expect(hashesEqual(a, b)).toBe(false)
    const last = a.at(-1) === '0' ? '1' : '0'
    expect(hashesEqual(a, a.slice(0, -2) + a.at(-2) + last)).toBe(false)
  })

  it('is false for digests of different lengths, a prefix included', () => {
    expect(hashesEqual(a, a.slice(0, 32))).toBe(false)
    expect(hashesEqual(a, a + '00')).toBe(false)
  })

  it('is false when either side is empty or not hex at all', () => {
    expect(hashesEqual('', '')).toBe(false)
    expect(hashesEqual(a, '')).toBe(false)
    expect(hashesEqual('zz', 'zz')).toBe(false)
    expect(hashesEqual(a, 'not a digest')).toBe(false)
  })
})
