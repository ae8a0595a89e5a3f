/**
 * The Redis connection of the shared mode (PORCH_REDIS_URL): what several hosts share besides
 * the database, namely rate limits (auth/rate-limits.ts) and runs in flight
 * (runtime/runs/redis-run-board.ts). ioredis, as rate-limiter-flexible supports it.
 *
 * Commands are not queued while Redis is unreachable (`enableOfflineQueue: false`): they fail at
 * once, so a limited route answers 503 at once rather than hanging (auth/rate-limits.ts says why
 * it refuses rather than letting traffic through). ioredis reconnects by itself meanwhile.
 * Commands issued in one turn of the event loop leave as one pipeline (`enableAutoPipelining`):
 * a burst of a run's events costs one round trip.
 */
import { Redis } from 'ioredis'
import type { Logger } from '../log.ts'
import { maskPassword, scrubPassword } from '../url-secrets.ts'

export type { Redis }

/** Where the URL came from, named in every message about it. */
export const REDIS_URL_VARIABLE = 'PORCH_REDIS_URL'

/** Every key Porch writes starts with this, so a Redis shared with other programs stays tidy. */
export const KEY_PREFIX = 'porch:'

/** Could not connect (or log in): the message names the variable and masks the password. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError'
}

/** How long a start waits for Redis before it gives up. */
const CONNECT_TIMEOUT_MS = 10_000

/** Opens the shared connection and proves Redis answers; a RedisUnreachableError (no password in it) when it does not. */
export async function connectRedis(url: string, options: { connectTimeoutMs?: number; log?: Pick<Logger, 'info' | 'error'> } = {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    // A command sent just before the connection broke fails rather than being sent again later.
    maxRetriesPerRequest: 0,
    // Back off up to 2 s between attempts, for ever: Redis coming back heals the host by itself.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
    connectionName: 'porch',
  })
  // ioredis reports each failed reconnect as an 'error' event (unheard, it would crash the
  // process): the first of an outage is logged, and the recovery, not every attempt between.
  let lastError: Error | undefined
  let down = false
  let started = false
  redis.on('error', (error: Error) => {
    lastError = error
    if (down || !started || !options.log) return
    down = true
    options.log.error(`Redis at ${maskPassword(url)} is unreachable; limited routes answer 503 until it is back`, scrubPassword(url, error.message))
  })
  redis.on('ready', () => {
    if (down) options.log?.info(`Redis at ${maskPassword(url)} is reachable again`)
    down = false
  })
  try {
    await redis.connect()
    await redis.ping()
    started = true
  } catch (error) {
    redis.disconnect()
    const reason = scrubPassword(url, (lastError ?? (error instanceof Error ? error : new Error(String(error)))).message)
    throw new RedisUnreachableError(`${REDIS_URL_VARIABLE}: cannot use Redis at ${maskPassword(url)}: ${reason}`)
  }
  return redis
}

/**
 * A second connection on the same server, for what holds a connection to itself: a
 * subscription, a blocking read. Its commands queue until it is connected.
 */
export function sideConnection(redis: Redis): Redis {
  const side = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, enableAutoPipelining: false, maxRetriesPerRequest: 0 })
  side.on('error', () => {})
  return side
}
