/**
 * Request limits, counted by rate-limiter-flexible: in this process's memory (one host), or in
 * Redis when several hosts share it (PORCH_REDIS_URL), so N hosts allow what one would, not N
 * times it. A limit that is hit answers 429 with Retry-After and a message the widget shows.
 *
 * When Redis cannot be reached, a limited route answers 503 with Retry-After instead of letting
 * the request through uncounted: the limits guard the owner's model bill and the password
 * guesses on links, and an outage of Redis must not switch both off. Routes without a limit
 * (the owner's API, history, health) keep working.
 */
import type { Redis } from 'ioredis'
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { KEY_PREFIX } from '../cluster/redis.ts'
import { ApiError, temporarilyUnavailable } from '../http/errors.ts'

export type RateLimitConfig = {
  /** Chat messages per client IP per minute. */
  chatPerIpPerMinute: number
  /** Password attempts per client IP per 15 minutes. */
  unlockPerIpPer15Min: number
}

/** One limit: `points` per `durationSeconds` per key. */
export type Limit = { points: number; durationSeconds: number }

/** Makes the limiters of every route; `name` keeps each limit's counters apart in a shared store. */
export type LimiterFactory = (name: string, limit: Limit) => RateLimiterAbstract

/** Counters in this process: exact for one host. */
export const memoryLimiters: LimiterFactory = (_name, { points, durationSeconds }) => new RateLimiterMemory({ points, duration: durationSeconds })

/** Counters in Redis, atomic across every host that shares it. */
export function redisLimiters(redis: Redis): LimiterFactory {
  return (name, { points, durationSeconds }) =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix: `${KEY_PREFIX}limit:${name}`, points, duration: durationSeconds, rejectIfRedisNotReady: true })
}

export type RateLimits = ReturnType<typeof createRateLimits>

export function createRateLimits(config: RateLimitConfig, limiter: LimiterFactory = memoryLimiters) {
  const perMinute = (name: string, points: number) => limiter(name, { points, durationSeconds: 60 })
  const per15Min = (name: string, points: number) => limiter(name, { points, durationSeconds: 15 * 60 })
  return {
    chatPerIp: perMinute('chat-ip', config.chatPerIpPerMinute),
    /** One link or key shared by many visitors gets more room than one visitor, but not unlimited. */
    chatPerLink: perMinute('chat-link', config.chatPerIpPerMinute * 20),
    chatPerKey: perMinute('chat-key', config.chatPerIpPerMinute * 20),
    unlockPerIp: per15Min('unlock-ip', config.unlockPerIpPer15Min),
    unlockPerLink: per15Min('unlock-link', config.unlockPerIpPer15Min * 5),
    /** Console sign-ins per client IP: as many as password attempts on a link. */
    signInPerIp: per15Min('sign-in-ip', config.unlockPerIpPer15Min),
  }
}

/** Takes one point from each (limiter, key); throws a 429 ApiError when any is spent, a 503 when they cannot be counted. */
export async function takePoint(checks: [RateLimiterAbstract, string][], message = 'Too many requests. Please wait a moment.'): Promise<void> {
  for (const [limiter, key] of checks) {
    try {
      await limiter.consume(key)
    } catch (error) {
      if (!(error instanceof RateLimiterRes))
        throw temporarilyUnavailable('The service cannot check its request limits right now. Please try again in a moment.')
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000))
      throw new ApiError(429, 'rate_limited', message, { retry_after_seconds: seconds }, { 'Retry-After': String(seconds) })
    }
  }
}

/** Gives a point back (a sign-in that succeeded does not count against the next); a failure to is harmless. */
export async function givePoint(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.reward(key, 1).catch(() => {})
}
