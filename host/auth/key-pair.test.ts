/** KEY.SECRET credentials: issued, parsed, matched against their stored hash; and the bearer header. */
import { describe, expect, it } from 'vitest'
import { bearer, issueKey, parseCredential, secretMatches } from './key-pair.ts'
import { sha256Hex } from './secrets.ts'

describe('issueKey', () => {
  it('issues a public id, a 256-bit secret and only its hash to store', () => {
    const key = issueKey('key')
    expect(key.id).toMatch(/^key_[A-Za-z0-9_-]{12}$/)
    expect(Buffer.from(key.secret, 'base64url')).toHaveLength(32)
    expect(key.secretHash).toBe(sha256Hex(key.secret))
    expect(key.credential).toBe(`${key.id}.${key.secret}`)
  })

  it('keeps a given id and issues a new secret each time', () => {
    const [first, second] = [issueKey('own', 'own_fixed-id-1'), issueKey('own', 'own_fixed-id-1')]
    expect(first.id).toBe('own_fixed-id-1')
    expect(first.secret).not.toBe(second.secret)
  })
})

describe('parseCredential', () => {
  it('splits an issued credential back into its id and secret', () => {
    const key = issueKey('key')
    expect(parseCredential(key.credential, 'key')).toEqual({ id: key.id, secret: key.secret })
  })

  it.each([
    ['another prefix', () => issueKey('own').credential],
    ['no secret', () => issueKey('key').id],
    ['no dot', () => issueKey('key').credential.replace('.', '')],
    ['a short id', () => `key_abc.${'s'.repeat(43)}`],
    ['a short secret', () => `key_abcdefgh.${'s'.repeat(31)}`],
    ['a long secret', () => `key_abcdefgh.${'s'.repeat(129)}`],
    ['a second dot', () => `${issueKey('key').credential}.x`],
    ['characters outside base64url', () => `key_abcdefgh.${'s'.repeat(42)}+`],
    ['surrounding space', () => ` ${issueKey('key').credential}`],
  ])('refuses a credential with %s', (_, make) => {
    expect(parseCredential(make(), 'key')).toBeNull()
  })

  it('accepts the shortest and longest parts it allows', () => {
    expect(parseCredential(`key_abcdefgh.${'s'.repeat(32)}`, 'key')).not.toBeNull()
    expect(parseCredential(`key_${'i'.repeat(32)}.${'s'.repeat(128)}`, 'key')).not.toBeNull()
  })
})

describe('secretMatches', () => {
  it('matches only the secret whose hash is stored', () => {
    const key = issueKey('key')
    expect(secretMatches(key.secret, key.secretHash)).toBe(true)
    expect(secretMatches(issueKey('key').secret, key.secretHash)).toBe(false)
    expect(secretMatches(key.secret, '')).toBe(false)
    expect(secretMatches(key.secretHash, key.secretHash)).toBe(false) // the hash itself is no secret
  })
})

describe('bearer', () => {
  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer abc', 'abc'],
    ['BEARER   abc', 'abc'],
    [`Bearer ${'x'.repeat(512)}`, 'x'.repeat(512)],
  ])('reads %j', (header, credential) => {
    expect(bearer(header)).toBe(credential)
  })

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Basic abc',
    'abc',
    'Bearer a b',
    'Bearer\tabc',
    ' Bearer abc',
    'Bearer abc ',
    `Bearer ${'x'.repeat(513)}`,
    'Bearer é',
  ])('reads nothing from %j', (header) => {
    expect(bearer(header)).toBeNull()
  })
})
