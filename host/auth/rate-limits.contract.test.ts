/**
 * Every limiter factory counts the same way (one contract, run on memory and on Redis): N
 * points, then 429 with Retry-After; keys and limits counted apart. Redis adds what only a
 * shared store can: three hosts' connections admit exactly N between them, and an unreachable
 * Redis answers 503 (temporarily_unavailable, Retry-After) rather than letting requests through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectRedis, type Redis } from '../cluster/redis.ts'
import { ApiError } from '../http/errors.ts'
import { startTestRedis, type TestRedis } from '../testing/redis-server.ts'
import { type LimiterFactory, memoryLimiters, redisLimiters, takePoint } from './rate-limits.ts'

let server: TestRedis
let connections: Redis[] = []
beforeAll(async () => {
  server = await startTestRedis()
  connections = await Promise.all([1, 2, 3].map(() => connectRedis(server.url)))
})
afterAll(async () => {
  for (const redis of connections) redis.disconnect()
  await server.stop()
})

/** What one takePoint answered: 'ok', or the refusal's status and code. */
async function outcome(promise: Promise<void>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return `${error.status} ${error.code}`
  }
}

let round = 0
const factories: [string, () => LimiterFactory][] = [
  ['memory', () => memoryLimiters],
  ['Redis', () => redisLimiters(connections[0]!)],
]

describe.each(factories)('limiters in %s', (_name, factory) => {
  it('admits `points` requests per key, then answers 429 with Retry-After, and counts keys and limits apart', async () => {
    const limiter = factory()
    const name = `contract-${++round}`
    const limit = limiter(name, { points: 3, durationSeconds: 60 })
    const results = []
    for (let i = 0; i < 5; i++) results.push(await outcome(takePoint([[limit, 'visitor-a']])))
    expect(results).toEqual(['ok', 'ok', 'ok', '429 rate_limited', '429 rate_limited'])
    const refused = await takePoint([[limit, 'visitor-a']], 'Slow down.').catch((error: ApiError) => error)
    expect(refused).toMatchObject({ status: 429, message: 'Slow down.' })
    const wait = Number(refused!.headers!['Retry-After'])
    expect(wait).toBeGreaterThanOrEqual(1)
    expect(wait).toBeLessThanOrEqual(60)
    expect(refused!.details).toEqual({ retry_after_seconds: wait })
    expect(await outcome(takePoint([[limit, 'visitor-b']]))).toBe('ok')
    expect(await outcome(takePoint([[limiter(`${name}-other`, { points: 3, durationSeconds: 60 }), 'visitor-a']]))).toBe('ok')
  })
})

describe('limiters in Redis, across hosts', () => {
  it('admit exactly `points` between three hosts taking points at once', async () => {
    const name = `shared-${++round}`
    const hosts = connections.map((redis) => redisLimiters(redis)(name, { points: 10, durationSeconds: 60 }))
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => outcome(takePoint([[hosts[i % 3]!, 'one-visitor']]))))
    expect(results.filter((result) => result === 'ok')).toHaveLength(10)
    expect(results.filter((result) => result === '429 rate_limited')).toHaveLength(50)
  })

  it('refuse with 503 temporarily_unavailable and Retry-After while Redis is down, and count again once it is back', async () => {
    const limit = redisLimiters(connections[0]!)(`outage-${++round}`, { points: 5, durationSeconds: 60 })
    await server.kill()
    try {
      const refused = await takePoint([[limit, 'visitor']]).catch((error: ApiError) => error)
      expect(refused).toMatchObject({ status: 503, code: 'temporarily_unavailable' })
      expect(refused!.headers!['Retry-After']).toBe('5')
    } finally {
      await server.restart()
    }
    // ioredis reconnects by itself (within its 2 s back-off).
    const deadline = Date.now() + 10_000
    let result = await outcome(takePoint([[limit, 'visitor']]))
    while (result !== 'ok' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      result = await outcome(takePoint([[limit, 'visitor']]))
    }
    expect(result).toBe('ok')
  })
})
