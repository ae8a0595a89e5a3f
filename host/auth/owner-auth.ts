/** Bearer authentication for the owner API. Keys are for servers: a browser Origin is refused. */
import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../http/errors.ts'
import { hashesEqual, sha256Hex } from './secrets.ts'

export type OwnerAuthOptions = {
  /** SHA-256 (hex) of the admin token. */
  adminTokenHash: string
}

export function ownerAuth({ adminTokenHash }: OwnerAuthOptions): MiddlewareHandler {
  return async function ownerAuthMiddleware(c, next) {
    if (c.req.header('origin') !== undefined) {
      throw new ApiError(403, 'browser_origin_refused', 'Owner credentials are for servers; requests that carry a browser Origin header are refused.')
    }
    const match = /^Bearer[ ]+([\x21-\x7e]{1,512})$/i.exec(c.req.header('authorization') ?? '')
    if (!match) {
      throw new ApiError(401, 'unauthorized', 'Send the admin token as Authorization: Bearer <token>.', undefined, { 'WWW-Authenticate': 'Bearer' })
    }
    if (!hashesEqual(sha256Hex(match[1]!), adminTokenHash)) {
      throw new ApiError(401, 'unauthorized', 'The token is not valid.', undefined, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
    }
    await next()
  }
}
