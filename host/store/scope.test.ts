/** Scopes: one constructor per kind, one parser, and the strings they stand for (stored as they are). */
import { describe, expect, it } from 'vitest'
import { SessionScopeSchema } from '../../shared/console.ts'
import { keyScope, linkScope, parseScope, publicScope, tryScope } from './scope.ts'

describe('scope', () => {
  it('is built as the string the database and the wire hold', () => {
    expect([publicScope(), tryScope(), linkScope('lnk_abc'), keyScope('key_xyz')]).toEqual(['public', 'try', 'link:lnk_abc', 'key:key_xyz'])
    for (const scope of [publicScope(), tryScope(), linkScope('lnk_abc'), keyScope('key_xyz')]) expect(SessionScopeSchema.safeParse(scope).success).toBe(true)
  })

  it('is parsed back into its kind and id', () => {
    expect(parseScope(publicScope())).toEqual({ kind: 'public' })
    expect(parseScope(tryScope())).toEqual({ kind: 'try' })
    expect(parseScope(linkScope('lnk_abc'))).toEqual({ kind: 'link', linkId: 'lnk_abc' })
    expect(parseScope(keyScope('key_xyz'))).toEqual({ kind: 'key', keyId: 'key_xyz' })
  })

  it('is null for anything else', () => {
    for (const value of ['', 'Public', 'link', 'team:1', 'tryit']) expect(parseScope(value)).toBeNull()
  })
})
