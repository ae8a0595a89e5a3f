/**
 * The visitor side of share links: `/api/v1/links/{token}` with the same chat API as published
 * agents, plus unlocking a password. Every request re-reads the link: a disabled or deleted link
 * is 404 and an expired one 410 on the very next request, whatever token the visitor holds.
 */
import { z } from 'zod'
import { clientIp } from '../auth/client-ip.ts'
import { bearer } from '../auth/key-pair.ts'
import { verifyPassword } from '../auth/passwords.ts'
import { type RateLimits, takePoint } from '../auth/rate-limits.ts'
import { sha256Hex } from '../auth/secrets.ts'
import { issueVisitorToken, VISITOR_TOKEN_SECONDS, verifyVisitorToken } from '../auth/visitor-token.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { applyOrigin } from '../http/origins.ts'
import { readJson } from '../http/validate.ts'
import { linkScope } from '../store/scope.ts'
import type { LinkRecord } from '../store/store.ts'
import { secondsToNextUtcDay, utcDay } from '../store/utc-day.ts'
import { type ChatResolver, chatApi, type VisitorApiDeps } from './chat-api.ts'

export type LinkRoutesDeps = VisitorApiDeps & { limits: RateLimits; trustProxyHops: number; secret: string }

export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export const UnlockSchema = z.object({ password: z.string().min(1).max(200) })

/**
 * What a visitor token is bound to: the link, and its current password. Changing or removing
 * the password ends every token issued for the old one.
 */
const tokenSubject = (link: LinkRecord) => `${link.id}.${sha256Hex(link.passwordHash ?? '').slice(0, 16)}`

const linkGone = () => new ApiError(410, 'link_expired', 'This link has expired.')

export function linkRoutes(deps: LinkRoutesDeps) {
  const { store, limits, secret } = deps

  /** The link behind a URL token, if it exists, is enabled and has not expired. */
  const liveLink = async (token: string): Promise<LinkRecord> => {
    const link = LINK_TOKEN_PATTERN.test(token) ? await store.getLinkByTokenHash(sha256Hex(token)) : null
    if (!link?.enabled) throw notFound('Link')
    if (link.expiresAt !== null && Date.parse(link.expiresAt) <= Date.now()) throw linkGone()
    return link
  }

  const resolve: ChatResolver = async (c, token, purpose) => {
    const link = await liveLink(token)
    const published = await store.getPublishedAgent(link.agentId)
    if (!published) throw notFound('Published agent')
    const allowedOrigins = link.allowedOrigins.length > 0 ? link.allowedOrigins : published.agent.allowedOrigins
    const ip = clientIp(c, deps.trustProxyHops)
    // A visitor is its client IP on every link, password or not: a visitor token is only proof
    // of the password, and a fresh one (each unlock makes one) must not bring a fresh quota.
    const visitor = sha256Hex(`${secret}|ip|${ip}`)
    // Before the password check, so an allowed site's widget can read "password required".
    if (purpose !== 'preflight' && purpose !== 'download') applyOrigin(c, allowedOrigins)
    const locked =
      link.passwordHash !== null &&
      (purpose === 'chat' || purpose === 'info') &&
      !verifyVisitorToken(secret, bearer(c.req.header('authorization')) ?? '', tokenSubject(link))
    if (locked && purpose === 'chat') throw new ApiError(401, 'password_required', 'Enter the password of this link to chat.')
    return {
      published,
      scope: linkScope(link.id),
      allowedOrigins,
      requiresPassword: link.passwordHash !== null,
      locked,
      admit: async () => {
        await takePoint([
          [limits.chatPerIp, `${link.id}|${ip}`],
          [limits.chatPerLink, link.id],
        ])
        const now = Date.now()
        const outcome = await store.consumeLinkQuota(link.id, visitor, utcDay(now))
        if (outcome === 'visitor_spent') {
          // The day is UTC's (consumeLinkQuota counts per UTC date): say when it turns.
          throw new ApiError(
            429,
            'quota_exceeded',
            'You have used all your messages through this link for today. They start again at midnight UTC.',
            undefined,
            {
              'Retry-After': String(secondsToNextUtcDay(now)),
            },
          )
        }
        // A spent total does not come back by waiting, so no Retry-After.
        if (outcome === 'total_spent') throw new ApiError(429, 'quota_exceeded', 'This link has used all its messages.')
      },
      admitUpload: () =>
        takePoint([
          [limits.chatPerIp, `${link.id}|${ip}`],
          [limits.chatPerLink, link.id],
        ]),
    }
  }

  return chatApi(resolve, deps, (token) => `/api/v1/links/${token}`).post('/:id/unlock', async (c) => {
    const token = c.req.param('id')
    const ip = clientIp(c, deps.trustProxyHops)
    // Throttle first, so a guesser learns nothing, not even whether the link exists.
    await takePoint([[limits.unlockPerIp, ip]], 'Too many password attempts. Please wait before trying again.')
    const link = await liveLink(token)
    const published = await store.getPublishedAgent(link.agentId)
    if (!published) throw notFound('Published agent')
    applyOrigin(c, link.allowedOrigins.length > 0 ? link.allowedOrigins : published.agent.allowedOrigins)
    await takePoint([[limits.unlockPerLink, link.id]], 'Too many password attempts on this link. Please wait before trying again.')
    const { password } = await readJson(c, UnlockSchema)
    if (link.passwordHash === null) throw new ApiError(400, 'no_password', 'This link has no password.')
    if (!(await verifyPassword(password, link.passwordHash))) throw new ApiError(401, 'wrong_password', 'That password is not right.')
    const expiresAt = new Date(Date.now() + VISITOR_TOKEN_SECONDS * 1000).toISOString()
    return c.json({ token: issueVisitorToken(secret, tokenSubject(link)), expires_at: expiresAt }, 200)
  })
}
