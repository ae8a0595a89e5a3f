/**
 * Signed visitor identity: a site whose visitors are signed in gives the widget (or calls the API
 * with) a JWT it signed with the agent's identity secret (HS256, verified by `jose`), in the
 * `X-Porch-User-Token` header. A token that is sent is verified on every request; a bad one is a
 * 401 `invalid_identity`, never an anonymous visit. An agent may require a token
 * (`identity_required` without one). The secret is stored sealed (secret-box.ts), as HTTP tools'
 * secret headers are: the host needs it back to verify signatures.
 */
import { createHmac } from 'node:crypto'
import type { Context } from 'hono'
import { errors, jwtVerify } from 'jose'
import { z } from 'zod'
import { HEADERS, IDENTITY } from '../../shared/limits.ts'
import { ApiError } from '../http/errors.ts'
import type { VerifiedUser, Visitor } from '../runtime/agent/index.ts'
import type { SecretBox } from '../runtime/tools/index.ts'
import type { Store } from '../store/store.ts'

export type { VerifiedUser, Visitor } from '../runtime/agent/index.ts'

const ClaimsSchema = z.object({
  // Printable ASCII: the id is forwarded to tools as a header value (X-Porch-User-Id).
  sub: z
    .string()
    .min(1)
    .max(IDENTITY.subChars)
    .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'),
  exp: z.number(),
  iat: z.number().optional(),
  name: z.string().max(IDENTITY.nameChars).optional(),
  email: z.string().max(IDENTITY.emailChars).optional(),
  attributes: z
    .record(z.string().min(1).max(IDENTITY.attributeKeyChars), z.union([z.string().max(IDENTITY.attributeValueChars), z.number(), z.boolean()]))
    .refine((attributes) => Object.keys(attributes).length <= IDENTITY.attributes, `at most ${IDENTITY.attributes} attributes`)
    .optional(),
})

const invalidIdentity = (why: string) => new ApiError(401, 'invalid_identity', `The user token is not valid: ${why}.`)

/** Why jose refused a token, in words for the site's developer; never the token itself. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not match this agent’s identity secret'
  if (error instanceof errors.JOSEAlgNotAllowed) return 'it must be signed with HS256'
  if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is missing or not valid (${error.reason})`
  return 'it is not a well-formed JWT'
}

/** The key jose verifies with, imported once per secret: importing it for every token took 140 µs a verify instead of 90 (20,000 verifies, tsx on the 2-core dev box). */
const identityKey = (secret: string): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])

/** The user a token names, if the secret of `key` signed it (HS256) and its claims are valid `now`; else throws `invalid_identity`. */
async function verifyUserToken(token: string, key: CryptoKey, now = Date.now()): Promise<VerifiedUser> {
  if (token.length > IDENTITY.tokenChars) throw invalidIdentity(`it is longer than ${IDENTITY.tokenChars} characters`)
  const nowSeconds = Math.floor(now / 1000)
  let payload: unknown
  try {
    ;({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      clockTolerance: IDENTITY.clockSkewSeconds,
      currentDate: new Date(now),
      requiredClaims: ['sub', 'exp'],
    }))
  } catch (error) {
    throw invalidIdentity(reason(error))
  }
  const claims = ClaimsSchema.safeParse(payload)
  if (!claims.success)
    throw invalidIdentity(`its claims are not valid (${claims.error.issues.map((issue) => `${issue.path.join('.') || 'token'}: ${issue.message}`).join('; ')})`)
  const { sub, exp, iat, name, email, attributes } = claims.data
  if (exp > nowSeconds + IDENTITY.maxLifetimeSeconds + IDENTITY.clockSkewSeconds)
    throw invalidIdentity('it expires more than 24 hours from now; sign tokens that expire sooner')
  if (iat !== undefined && iat > nowSeconds + IDENTITY.clockSkewSeconds) throw invalidIdentity('it was issued in the future ("iat")')
  return { id: sub, name: name ?? null, email: email ?? null, attributes: attributes ?? {} }
}

export type IdentityCheck = {
  store: Store
  secretBox: SecretBox
}

/**
 * Who the visitor is: the verified user of the request's token, or null for an anonymous visitor
 * when the agent allows them. `enforce`: whether a missing token is refused when the agent
 * requires identity (a download, fetched by a plain link, cannot carry the header).
 */
export async function visitorIdentity(c: Context, deps: IdentityCheck, agentId: string, enforce: boolean): Promise<Visitor | null> {
  return (await identityOf(c, deps, agentId, enforce)).visitor
}

/** `visitorIdentity`, with whether the agent requires identity (its info says so) from the same read of its settings. */
export async function identityOf(
  c: Context,
  deps: IdentityCheck,
  agentId: string,
  enforce: boolean,
): Promise<{ visitor: Visitor | null; requireIdentity: boolean }> {
  const token = c.req.header(HEADERS.userToken)
  const settings = await deps.store.getAgentIdentity(agentId)
  const requireIdentity = settings?.requireIdentity ?? false
  if (token === undefined || token === '') {
    if (enforce && requireIdentity)
      throw new ApiError(401, 'identity_required', 'This agent chats only with signed-in users: send a user token signed by the site.')
    return { visitor: null, requireIdentity }
  }
  if (!settings?.secret) throw invalidIdentity('this agent has no identity secret')
  const opened = await openedSecret(deps.secretBox, settings.secret)
  const user = await verifyUserToken(token, opened.key)
  return { visitor: { user, sign: opened.sign }, requireIdentity }
}

type OpenedSecret = { key: CryptoKey; sign(text: string): string }

/**
 * Opened identity secrets by their sealed form, so a request neither decrypts the secret nor
 * imports its key again (a rotated secret is a new sealed string: the old entry is never read
 * again, and the oldest entries go first once `OPENED_KEPT` are held).
 */
const openedBy = new WeakMap<SecretBox, Map<string, Promise<OpenedSecret>>>()
const OPENED_KEPT = 1_000

function openedSecret(box: SecretBox, sealed: string): Promise<OpenedSecret> {
  // Per box: what one host secret opened, another must not find opened.
  let opened = openedBy.get(box)
  if (!opened) openedBy.set(box, (opened = new Map()))
  let entry = opened.get(sealed)
  if (!entry) {
    let secret: string
    try {
      secret = box.open(sealed)
    } catch {
      // Sealed under an earlier host secret (docs/operations.md): only a new identity secret helps.
      throw invalidIdentity('the agent’s identity secret cannot be read on this host; its owner must rotate it')
    }
    entry = identityKey(secret).then((key) => ({ key, sign: (text: string) => createHmac('sha256', secret).update(text).digest('hex') }))
    if (opened.size >= OPENED_KEPT) opened.delete(opened.keys().next().value!)
    opened.set(sealed, entry)
  }
  return entry
}
