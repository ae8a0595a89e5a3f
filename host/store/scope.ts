/**
 * The scope a session lives in: sessions, runs and files never cross scopes, so the same
 * session id in two scopes is two sessions. Stored (and sent on the wire) as the string itself:
 *
 * | scope | who chats in it |
 * |---|---|
 * | `public` | visitors of the published agent's own id |
 * | `link:<link id>` | visitors of that share link |
 * | `key:<key id>` | callers with that chat key (compat APIs) |
 * | `try` | owners trying the draft in the console; never reachable from public routes |
 *
 * Host code builds a scope only with the constructors here and reads one only with parseScope.
 * The store takes and gives the plain string (`SessionKey.scope`), as it stores it.
 */
export type Scope = 'public' | 'try' | `link:${string}` | `key:${string}`

export type ParsedScope = { kind: 'public' } | { kind: 'try' } | { kind: 'link'; linkId: string } | { kind: 'key'; keyId: string }

export const publicScope = (): Scope => 'public'
export const tryScope = (): Scope => 'try'
export const linkScope = (linkId: string): Scope => `link:${linkId}`
export const keyScope = (keyId: string): Scope => `key:${keyId}`

/** A stored or requested scope, or null when it is none of the four kinds. */
export function parseScope(value: string): ParsedScope | null {
  if (value === 'public' || value === 'try') return { kind: value }
  const colon = value.indexOf(':')
  const id = value.slice(colon + 1)
  if (colon < 0) return null
  const kind = value.slice(0, colon)
  if (kind === 'link') return { kind, linkId: id }
  if (kind === 'key') return { kind, keyId: id }
  return null
}
