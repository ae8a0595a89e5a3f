/**
 * Console sign-ins: who a `porch_console` cookie stands for, and the CSRF rule every changing
 * request with it must pass. A sign-in follows its credential on every request: an owner key
 * that is deleted or changed, or an admin token that is replaced, changes or ends the sign-in
 * at once, with no cache in between. (Stored in table `console_sessions`; the wire calls it the
 * console session, `/api/v1/console/session`. Not a visitor's session, which is a conversation.)
 */
import { randomBytes } from 'node:crypto'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { CONSOLE, type ConsoleSession } from '../../shared/console.ts'
import type { Principal } from '../http/env.ts'
import { ApiError } from '../http/errors.ts'
import type { ConsoleSignInRecord, Store } from '../store/store.ts'
import { hashesEqual, sha256Hex } from './secrets.ts'

export type ConsoleSignInOptions = {
  store: Store
  /** SHA-256 (hex) of the admin token. */
  adminTokenHash: string
  /** The host's public base URL (PORCH_PUBLIC_URL): its origin is the console's own. */
  publicUrl: () => string
}

export type SignedIn = { signIn: ConsoleSignInRecord; principal: Principal; name: string }

export const csrfFailed = (message: string) => new ApiError(403, 'csrf_failed', message)

/** Admin sign-ins remember which admin token made them, without keeping anything that opens it. */
const adminRef = (adminTokenHash: string) => sha256Hex(`console-admin|${adminTokenHash}`)

export function consoleSignIns({ store, adminTokenHash, publicUrl }: ConsoleSignInOptions) {
  const ownOrigins = (c: Context) => {
    const origins = [new URL(c.req.url).origin]
    try {
      origins.push(new URL(publicUrl()).origin)
    } catch {
      // No usable public URL: the request's own origin is the only one.
    }
    return origins
  }

  /** The principal behind a stored sign-in, read fresh, or null when its credential is gone. */
  async function principalOf(signIn: ConsoleSignInRecord): Promise<{ principal: Principal; name: string } | null> {
    if (signIn.kind === 'admin') {
      if (!hashesEqual(signIn.adminRef ?? '', adminRef(adminTokenHash))) return null
      return { principal: { kind: 'admin', keyId: null, role: 'owner', agentIds: null }, name: 'Admin token' }
    }
    const key = signIn.ownerKeyId === null ? null : await store.getOwnerKey(signIn.ownerKeyId)
    if (!key) return null
    void store.touchOwnerKey(key.id)
    return { principal: { kind: 'owner_key', keyId: key.id, role: key.role, agentIds: key.agentIds }, name: key.name }
  }

  return {
    /** Whether the request carries a console cookie at all. */
    hasCookie: (c: Context) => getCookie(c, CONSOLE.cookie) !== undefined,

    /** The sign-in of this request, or null (unknown, expired, or its credential gone). */
    async current(c: Context): Promise<SignedIn | null> {
      const value = getCookie(c, CONSOLE.cookie)
      if (!value || value.length > 200) return null
      const signIn = await store.getConsoleSignIn(sha256Hex(value))
      if (!signIn) return null
      const found = await principalOf(signIn)
      if (!found) {
        await store.deleteConsoleSignIn(signIn.idHash)
        return null
      }
      return { signIn, ...found }
    },

    /** A browser request that is not from the console's own origin (login CSRF, for sign-in). */
    refuseCrossSite(c: Context): void {
      const site = c.req.header('sec-fetch-site')
      if (site !== undefined && site !== 'same-origin') throw csrfFailed('Sign in from the console itself.')
      const origin = c.req.header('origin')
      if (origin !== undefined && !ownOrigins(c).includes(origin)) throw csrfFailed('Sign in from the console itself.')
    },

    /** The CSRF rule for requests that change something: the sign-in's CSRF token, from the own origin. */
    requireCsrf(c: Context, signIn: ConsoleSignInRecord): void {
      const site = c.req.header('sec-fetch-site')
      const origin = c.req.header('origin')
      const sameOrigin = site !== undefined ? site === 'same-origin' : origin !== undefined && ownOrigins(c).includes(origin)
      if (!sameOrigin) throw csrfFailed('Changes through the console must come from the console’s own origin.')
      const sent = c.req.header(CONSOLE.csrfHeader) ?? ''
      if (!hashesEqual(sha256Hex(sent), sha256Hex(signIn.csrfToken)) || sent === '') {
        throw csrfFailed(`Send the session’s CSRF token as ${CONSOLE.csrfHeader}.`)
      }
    },

    /** Creates a sign-in for a principal that proved itself, and sets its cookie. */
    async start(c: Context, principal: Principal): Promise<ConsoleSignInRecord> {
      const value = randomBytes(32).toString('base64url')
      const signIn = await store.createConsoleSignIn({
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
      return signIn
    },

    async end(c: Context, signIn: ConsoleSignInRecord): Promise<void> {
      await store.deleteConsoleSignIn(signIn.idHash)
      deleteCookie(c, CONSOLE.cookie, { path: '/', httpOnly: true, sameSite: 'Strict', secure: publicUrl().startsWith('https:') })
    },
  }
}

export type ConsoleSignIns = ReturnType<typeof consoleSignIns>

export const signInJson = ({ signIn, principal, name }: SignedIn): ConsoleSession => ({
  role: principal.role,
  agent_ids: principal.agentIds,
  name,
  csrf_token: signIn.csrfToken,
  expires_at: signIn.expiresAt,
})
