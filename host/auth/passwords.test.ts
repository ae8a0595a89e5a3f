/** Link passwords: scrypt with a salt each, verified in constant time; a malformed stored hash opens nothing. */
import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './passwords.ts'

describe('hashPassword', () => {
  it('stores scrypt, its parameters, a salt and the hash', async () => {
    const stored = await hashPassword('correct horse')
    const [scheme, n, r, p, salt, hash] = stored.split('$')
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '1'])
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16)
    expect(Buffer.from(hash!, 'base64url')).toHaveLength(32)
    expect(stored).not.toContain('correct horse')
  })

  it('salts each hash anew', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'))
  })
})

describe('verifyPassword', () => {
  it('accepts the password and refuses any other', async () => {
    const stored = await hashPassword('s3cret')
    expect(await verifyPassword('s3cret', stored)).toBe(true)
    expect(await verifyPassword('s3cret ', stored)).toBe(false)
    expect(await verifyPassword('S3cret', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
  })

  it('compares passwords in NFKC, so one typed differently but equal matches', async () => {
    const stored = await hashPassword('café') // é as one code point
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true) // e + combining accent
  })

  it('verifies against the parameters stored with the hash', async () => {
    const stored = await hashPassword('pw')
    const [, , , , salt, hash] = stored.split('$')
    expect(await verifyPassword('pw', ['scrypt', 1024, 8, 1, salt, hash].join('$'))).toBe(false)
  })

  it.each([
    ['an empty string', ''],
    ['another scheme', 'bcrypt$16384$8$1$c2FsdA$aGFzaA'],
    ['no hash', 'scrypt$16384$8$1$c2FsdA$'],
    ['no salt', 'scrypt$16384$8$1$$aGFzaA'],
    ['a hash of the wrong length', 'scrypt$16384$8$1$c2FsdA$aGFzaA'],
  ])('refuses anything against %s', async (_, stored) => {
    expect(await verifyPassword('anything', stored)).toBe(false)
  })

  it('never accepts a password against stored parameters scrypt cannot use', async () => {
    const stored = await hashPassword('pw')
    const [, , , , salt, hash] = stored.split('$')
    for (const params of [
      ['abc', 8, 1],
      [3, 8, 1],
      [-1, 8, 1],
      [2 ** 30, 8, 1],
    ]) {
      const outcome = await verifyPassword('pw', ['scrypt', ...params, salt, hash].join('$')).catch(() => 'rejected')
      expect(outcome, params.join('$')).not.toBe(true)
    }
  })
})
