/**
 * Request limits, counted in memory by rate-limiter-flexible (atomic per key within this
 * process). A limit that is hit answers 429 with Retry-After and a message the widget shows.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { ApiError } from '../http/errors.ts'

export type RateLimitConfig = {
  /** Chat messages per client IP per minute. */
  chatPerIpPerMinute: number
  /** Password attempts per client IP per 15 minutes. */
  unlockPerIpPer15Min: number
}

export type RateLimits = ReturnType<typeof createRateLimits>

export function createRateLimits(config: RateLimitConfig) {
  const perMinute = (points: number) => new RateLimiterMemory({ points, duration: 60 })
  return {
    chatPerIp: perMinute(config.chatPerIpPerMinute),
    /** One link or key shared by many visitors gets more room than one visitor, but not unlimited. */
    chatPerLink: perMinute(config.chatPerIpPerMinute * 20),
    chatPerKey: perMinute(config.chatPerIpPerMinute * 20),
    unlockPerIp: new RateLimiterMemory({ points: config.unlockPerIpPer15Min, duration: 15 * 60 }),
    unlockPerLink: new RateLimiterMemory({ points: config.unlockPerIpPer15Min * 5, duration: 15 * 60 }),
  }
}

/** Takes one point from each (limiter, key); throws a 429 ApiError when any is spent. */
export async function takePoint(checks: [RateLimiterMemory, string][], message = 'Too many requests. Please wait a moment.'): Promise<void> {
  for (const [limiter, key] of checks) {
    try {
      await limiter.consume(key)
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000))
      throw new ApiError(429, 'rate_limited', message, { retry_after_seconds: seconds }, { 'Retry-After': String(seconds) })
    }
  }
}
