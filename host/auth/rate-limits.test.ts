/** takePoint: one point from each limiter; a spent one is a 429 with Retry-After, in the header and the details. */
import { Hono } from 'hono'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { describe, expect, it } from 'vitest'
import { ApiError, handleError } from '../http/errors.ts'
import { createRateLimits, takePoint } from './rate-limits.ts'

const limiter = (points: number) => new RateLimiterMemory({ points, duration: 60 })

/** A limiter that is always spent, for `msBeforeNext` milliseconds more. */
const spentFor = (msBeforeNext: number) => ({ consume: () => Promise.reject(new RateLimiterRes(0, msBeforeNext)) }) as unknown as RateLimiterMemory

async function refusal(run: Promise<void>): Promise<ApiError> {
  const error = await run.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

describe('takePoint', () => {
  it('lets the allowed number of requests through, then refuses with a 429', async () => {
    const perIp = limiter(2)
    await takePoint([[perIp, '1.2.3.4']])
    await takePoint([[perIp, '1.2.3.4']])
    const error = await refusal(takePoint([[perIp, '1.2.3.4']]))
    expect([error.status, error.code, error.message]).toEqual([429, 'rate_limited', 'Too many requests. Please wait a moment.'])
    const seconds = (error.details as { retry_after_seconds: number }).retry_after_seconds
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true)
    expect(error.headers).toEqual({ 'Retry-After': String(seconds) })
  })

  it('counts each key on its own', async () => {
    const perIp = limiter(1)
    await takePoint([[perIp, 'a']])
    await takePoint([[perIp, 'b']])
    await refusal(takePoint([[perIp, 'a']]))
  })

  it('refuses when any of the limiters is spent, with the given message', async () => {
    const roomy = limiter(10)
    const tight = limiter(1)
    await takePoint([
      [roomy, 'k'],
      [tight, 'k'],
    ])
    const error = await refusal(
      takePoint(
        [
          [roomy, 'k'],
          [tight, 'k'],
        ],
        'This link is busy.',
      ),
    )
    expect(error.message).toBe('This link is busy.')
  })

  it('does not take from the limiters after the spent one', async () => {
    const tight = limiter(1)
    const after = limiter(1)
    await takePoint([[tight, 'k']])
    await refusal(
      takePoint([
        [tight, 'k'],
        [after, 'k'],
      ]),
    )
    await takePoint([[after, 'k']]) // its one point is still there
  })

  it.each([
    [1500, 2],
    [1000, 1],
    [1, 1],
    [0, 1],
  ])('rounds %i ms left up to %i whole seconds, at least one', async (ms, seconds) => {
    const error = await refusal(takePoint([[spentFor(ms), 'k']]))
    expect(error.details).toEqual({ retry_after_seconds: seconds })
    expect(error.headers).toEqual({ 'Retry-After': String(seconds) })
  })

  it('refuses with 503 temporarily_unavailable when the counts cannot be read, rather than letting the request through', async () => {
    const broken = {
      consume: () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    } as unknown as RateLimiterMemory
    const error = await takePoint([[broken, 'k']]).catch((caught: ApiError) => caught)
    expect(error).toMatchObject({ status: 503, code: 'temporarily_unavailable', details: { retry_after_seconds: 5 } })
    expect((error as ApiError).headers).toEqual({ 'Retry-After': '5' })
  })

  it('asks nothing of an empty list', async () => {
    await expect(takePoint([])).resolves.toBeUndefined()
  })

  it('becomes a 429 response with Retry-After through the error handler', async () => {
    const perIp = limiter(1)
    const app = new Hono()
    app.onError(handleError(() => {}))
    app.post('/chat', async (c) => {
      await takePoint([[perIp, 'ip']])
      return c.json({ ok: true })
    })
    expect((await app.request('/chat', { method: 'POST' })).status).toBe(200)
    const response = await app.request('/chat', { method: 'POST' })
    expect(response.status).toBe(429)
    const body = (await response.json()) as { error: { code: string; details: { retry_after_seconds: number } } }
    expect(body.error.code).toBe('rate_limited')
    expect(response.headers.get('retry-after')).toBe(String(body.error.details.retry_after_seconds))
  })
})

describe('createRateLimits', () => {
  it('gives a link and a key twenty times the room of one IP', async () => {
    const limits = createRateLimits({ chatPerIpPerMinute: 2, unlockPerIpPer15Min: 3 })
    for (let i = 0; i < 40; i++)
      await takePoint([
        [limits.chatPerLink, 'link'],
        [limits.chatPerKey, 'key'],
      ])
    await refusal(takePoint([[limits.chatPerLink, 'link']]))
    await refusal(takePoint([[limits.chatPerKey, 'key']]))
    await takePoint([[limits.chatPerIp, 'ip']])
    await takePoint([[limits.chatPerIp, 'ip']])
    await refusal(takePoint([[limits.chatPerIp, 'ip']]))
  })

  it('counts password attempts per 15 minutes, five times the room per link', async () => {
    const limits = createRateLimits({ chatPerIpPerMinute: 2, unlockPerIpPer15Min: 1 })
    await takePoint([[limits.unlockPerIp, 'ip']])
    const error = await refusal(takePoint([[limits.unlockPerIp, 'ip']]))
    const seconds = (error.details as { retry_after_seconds: number }).retry_after_seconds
    expect(seconds > 60 && seconds <= 15 * 60).toBe(true)
    for (let i = 0; i < 5; i++) await takePoint([[limits.unlockPerLink, 'link']])
    await refusal(takePoint([[limits.unlockPerLink, 'link']]))
  })
})
