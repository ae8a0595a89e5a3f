/**
 * Console cookie sessions: who a `porch_console` cookie stands for, and the CSRF rule every
 * changing request with it must pass. The session follows its credential on every request: an
 * owner key that is deleted or changed, or an admin token that is replaced, changes or ends the
 * session at once, with no cache in between.
 */
import { randomBytes } from 'node:crypto'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { CONSOLE, type ConsoleSession } from '../../shared/console.ts'
import { hashesEqual, sha256Hex } from '../auth/secrets.ts'
import type { Principal } from '../http/env.ts'
import { ApiError } from '../http/errors.ts'
import type { ConsoleSessionRecord, Store } from '../store/store.ts'

export type ConsoleSessionOptions = {
  store: Store
  /** SHA-256 (hex) of the admin token. */
  adminTokenHash: string
  /** The host's public base URL (PORCH_PUBLIC_URL): its origin is the console's own. */
  publicUrl: () => string
}

export type SignedIn = { session: ConsoleSessionRecord; principal: Principal; name: string }

export const csrfFailed = (message: string) => new ApiError(403, 'csrf_failed', message)

/** Admin sessions remember which admin token made them, without keeping anything that opens it. */
const adminRef = (adminTokenHash: string) => sha256Hex(`console-admin|${adminTokenHash}`)

export function consoleSessions({ store, adminTokenHash, publicUrl }: ConsoleSessionOptions) {
  const ownOrigins = (c: Context) => {
    const origins = [new URL(c.req.url).origin]
    try {
      origins.push(new URL(publicUrl()).origin)
    } catch {
      // No usable public URL: the request's own origin is the only one.
    }
    return origins
  }

  /** The principal behind a stored session, read fresh, or null when its credential is gone. */
  async function principalOf(session: ConsoleSessionRecord): Promise<{ principal: Principal; name: string } | null> {
    if (session.kind === 'admin') {
      if (!hashesEqual(session.adminRef ?? '', adminRef(adminTokenHash))) return null
      return { principal: { kind: 'admin', keyId: null, role: 'owner', agentIds: null }, name: 'Admin token' }
    }
    const key = session.ownerKeyId === null ? null : await store.getOwnerKey(session.ownerKeyId)
    if (!key) return null
    void store.touchOwnerKey(key.id)
    return { principal: { kind: 'owner_key', keyId: key.id, role: key.role, agentIds: key.agentIds }, name: key.name }
  }

  return {
    /** Whether the request carries a console cookie at all. */
    hasCookie: (c: Context) => getCookie(c, CONSOLE.cookie) !== undefined,

    /** The signed-in session of this request, or null (unknown, expired, or its credential gone). */
    async current(c: Context): Promise<SignedIn | null> {
      const value = getCookie(c, CONSOLE.cookie)
      if (!value || value.length > 200) return null
      const session = await store.getConsoleSession(sha256Hex(value))
      if (!session) return null
      const found = await principalOf(session)
      if (!found) {
        await store.deleteConsoleSession(session.idHash)
        return null
      }
      return { session, ...found }
    },

    /** A browser request that is not from the console's own origin (login CSRF, for sign-in). */
    refuseCrossSite(c: Context): void {
      const site = c.req.header('sec-fetch-site')
      if (site !== undefined && site !== 'same-origin') throw csrfFailed('Sign in from the console itself.')
      const origin = c.req.header('origin')
      if (origin !== undefined && !ownOrigins(c).includes(origin)) throw csrfFailed('Sign in from the console itself.')
    },

    /** The CSRF rule for requests that change something: the session's token, from the own origin. */
    requireCsrf(c: Context, session: ConsoleSessionRecord): void {
      const site = c.req.header('sec-fetch-site')
      const origin = c.req.header('origin')
      const sameOrigin = site !== undefined ? site === 'same-origin' : origin !== undefined && ownOrigins(c).includes(origin)
      if (!sameOrigin) throw csrfFailed('Changes through the console must come from the console’s own origin.')
      const sent = c.req.header(CONSOLE.csrfHeader) ?? ''
      if (!hashesEqual(sha256Hex(sent), sha256Hex(session.csrfToken)) || sent === '') {
        throw csrfFailed(`Send the session’s CSRF token as ${CONSOLE.csrfHeader}.`)
      }
    },

    /** Creates a session for a principal that proved itself, and sets its cookie. */
    async start(c: Context, principal: Principal): Promise<ConsoleSessionRecord> {
      const value = randomBytes(32).toString('base64url')
      const session = await store.createConsoleSession({
        idHash: sha256Hex(value),
        kind: principal.kind,
        ownerKeyId: principal.keyId,
        adminRef: principal.kind === 'admin' ? adminRef(adminTokenHash) : null,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: new Date(Date.now() + CONSOLE.sessionSeconds * 1000).toISOString(),
      })
      setCookie(c, CONSOLE.cookie, value, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        maxAge: CONSOLE.sessionSeconds,
        secure: publicUrl().startsWith('https:'),
      })
      return session
    },

    async end(c: Context, session: ConsoleSessionRecord): Promise<void> {
      await store.deleteConsoleSession(session.idHash)
      deleteCookie(c, CONSOLE.cookie, { path: '/', httpOnly: true, sameSite: 'Strict', secure: publicUrl().startsWith('https:') })
    },
  }
}

export type ConsoleSessions = ReturnType<typeof consoleSessions>

export const sessionJson = ({ session, principal, name }: SignedIn): ConsoleSession => ({
  role: principal.role,
  agent_ids: principal.agentIds,
  name,
  csrf_token: session.csrfToken,
  expires_at: session.expiresAt,
})
