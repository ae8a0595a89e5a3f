/**
 * Bearer authentication for the owner API: the admin token, or an owner key (`own_….SECRET`)
 * with a role (owner > editor > viewer) and optionally a list of agents it may reach.
 * Keys are for servers: a request carrying a browser Origin is refused. Browsers use the owner
 * console's cookie sign-in instead (host/auth/console-sign-in.ts), which adds a CSRF check.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { OwnerEnv, Principal } from '../http/env.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { agentIdParam } from '../http/ids.ts'
import type { AgentRecord, OwnerRole, Store } from '../store/store.ts'
import type { ConsoleSignIns } from './console-sign-in.ts'
import { bearer, parseCredential, secretMatches } from './key-pair.ts'
import { hashesEqual, sha256Hex } from './secrets.ts'

export type OwnerAuthOptions = {
  /** SHA-256 (hex) of the admin token. */
  adminTokenHash: string
  store: Store
  /** Accept the console's cookie sign-in (for requests without an Authorization header). */
  console?: ConsoleSignIns
}

const RANK: Record<OwnerRole, number> = { viewer: 0, editor: 1, owner: 2 }

export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' })

export const browserRefused = () =>
  new ApiError(403, 'browser_origin_refused', 'API keys are for servers; requests that carry a browser Origin header are refused.')

/** Finds the principal behind a bearer credential, or null. */
export async function ownerPrincipal(credential: string, { adminTokenHash, store }: OwnerAuthOptions): Promise<Principal | null> {
  const key = parseCredential(credential, 'own')
  if (key) {
    const record = await store.getOwnerKey(key.id)
    if (!record || !secretMatches(key.secret, record.secretHash)) return null
    void store.touchOwnerKey(record.id)
    return { kind: 'owner_key', keyId: record.id, role: record.role, agentIds: record.agentIds }
  }
  return hashesEqual(sha256Hex(credential), adminTokenHash) ? { kind: 'admin', keyId: null, role: 'owner', agentIds: null } : null
}

export function ownerAuth(options: OwnerAuthOptions): MiddlewareHandler<OwnerEnv> {
  const { console: consoleSignIns } = options
  return async function ownerAuthMiddleware(c, next) {
    const changes = c.req.method !== 'GET' && c.req.method !== 'HEAD'
    if (consoleSignIns && c.req.header('authorization') === undefined && consoleSignIns.hasCookie(c)) {
      const signedIn = await consoleSignIns.current(c)
      if (!signedIn) throw new ApiError(401, 'unauthorized', 'The console session has ended; sign in again.')
      if (changes) consoleSignIns.requireCsrf(c, signedIn.signIn)
      c.set('principal', signedIn.principal)
      if (changes) requireRole(signedIn.principal, 'editor')
      return next()
    }
    if (c.req.header('origin') !== undefined) throw browserRefused()
    const credential = bearer(c.req.header('authorization'))
    if (!credential) throw unauthorized('Send the admin token or an owner key as Authorization: Bearer <token>.')
    const principal = await ownerPrincipal(credential, options)
    if (!principal) throw unauthorized('The token is not valid.')
    c.set('principal', principal)
    // Reading is for every role; changing anything needs an editor.
    if (changes) requireRole(principal, 'editor')
    await next()
  }
}

export function requireRole(principal: Principal, role: OwnerRole): void {
  if (RANK[principal.role] < RANK[role]) throw new ApiError(403, 'forbidden', `This needs the ${role} role; the key has ${principal.role}.`)
}

/**
 * Owner keys are credentials over agents, so only a caller whose own reach is unlimited may
 * mint, list or delete them: a key limited to some agents could otherwise mint itself a key
 * without limits, or delete the keys of others.
 */
export function requireKeyManager(principal: Principal): void {
  requireRole(principal, 'owner')
  if (!reachesAll(principal))
    throw new ApiError(403, 'forbidden', 'Owner keys are managed by the admin token or an owner key without agent limits; this key is limited to some agents.')
}

/** True when the principal may reach every agent (the admin token, or a key without agent limits). */
export const reachesAll = (principal: Principal) => principal.agentIds === null

export const canReach = (principal: Principal, agentId: string) => reachesAll(principal) || principal.agentIds!.includes(agentId)

export function requireReach(principal: Principal, agentId: string): void {
  if (!canReach(principal, agentId)) throw new ApiError(403, 'forbidden', 'This key may not reach that agent.')
}

/** The agent an owner-API path names, if the caller may reach it (404 unknown, 403 out of reach). */
export async function reachableAgent(store: Store, c: Context<OwnerEnv>, id: string): Promise<AgentRecord> {
  const agent = await store.getAgent(agentIdParam(id))
  if (!agent) throw notFound('Agent')
  requireReach(c.get('principal'), agent.id)
  return agent
}
