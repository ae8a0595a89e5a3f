/** The one error body, and handleError: ApiError as it says, Hono's 4xx as bad_request, anything else a logged 500. */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { ErrorBodySchema } from '../../shared/index.ts'
import { ApiError, errorBody, handleError, notFound, redactPath } from './errors.ts'

function appThrowing(error: Error) {
  const logged: { message: string; error: unknown }[] = []
  const app = new Hono()
  app.onError(handleError((message, error) => logged.push({ message, error })))
  app.all('*', () => {
    throw error
  })
  return { app, logged }
}

describe('errorBody', () => {
  it('leaves details out when there are none, and keeps them when there are', () => {
    expect(errorBody('a', 'b')).toEqual({ error: { code: 'a', message: 'b' } })
    expect('details' in errorBody('a', 'b').error).toBe(false)
    expect(errorBody('a', 'b', { n: 1 })).toEqual({ error: { code: 'a', message: 'b', details: { n: 1 } } })
    expect(ErrorBodySchema.safeParse(errorBody('a', 'b', [1])).success).toBe(true)
  })
})

describe('notFound', () => {
  it('is a 404 not_found naming the thing', () => {
    const error = notFound('Agent')
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'Agent not found'])
  })
})

describe('handleError', () => {
  it('answers an ApiError with its status, code, message, details and headers, and logs nothing', async () => {
    const { app, logged } = appThrowing(new ApiError(429, 'rate_limited', 'slow down', { retry_after_seconds: 3 }, { 'Retry-After': '3' }))
    const response = await app.request('/x')
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('3')
    expect(await response.json()).toEqual({ error: { code: 'rate_limited', message: 'slow down', details: { retry_after_seconds: 3 } } })
    expect(logged).toEqual([])
  })

  it("answers Hono's own 4xx exceptions as bad_request with their status", async () => {
    const { app, logged } = appThrowing(new HTTPException(413, { message: 'Payload Too Large' }))
    const response = await app.request('/x')
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ error: { code: 'bad_request', message: 'Payload Too Large' } })
    expect(logged).toEqual([])
  })

  it('gives a 4xx exception without a message a generic one', async () => {
    const response = await appThrowing(new HTTPException(400)).app.request('/x')
    expect(await response.json()).toEqual({ error: { code: 'bad_request', message: 'bad request' } })
  })

  it('answers any other error with a 500 that tells nothing, and logs it with the method and path', async () => {
    const thrown = new Error('secret detail at /var/lib/porch')
    const { app, logged } = appThrowing(thrown)
    const response = await app.request('/api/v1/agents?x=1', { method: 'DELETE' })
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(text).not.toContain('secret detail')
    expect(JSON.parse(text).error.code).toBe('internal')
    expect(logged).toEqual([{ message: 'unhandled error on DELETE /api/v1/agents', error: thrown }])
  })

  it('treats an error carrying a 5xx status as internal', async () => {
    const { app, logged } = appThrowing(new HTTPException(502, { message: 'upstream' }))
    expect((await app.request('/x')).status).toBe(500)
    expect(logged).toHaveLength(1)
  })

  it('logs link paths without their token', async () => {
    const { app, logged } = appThrowing(new Error('boom'))
    await app.request('/l/SECRET-TOKEN/info')
    expect(logged[0]!.message).toBe('unhandled error on GET /l/[token]/info')
  })
})

describe('redactPath', () => {
  it.each([
    ['/l/abc', '/l/[token]'],
    ['/l/abc/info', '/l/[token]/info'],
    ['/api/v1/links/abc/sessions/s1', '/api/v1/links/[token]/sessions/s1'],
    ['/API/V1/LINKS/abc', '/API/V1/LINKS/[token]'],
    ['/api/v1/agents/abc', '/api/v1/agents/abc'],
    ['/lx/abc', '/lx/abc'],
    ['/published/l/abc', '/published/l/abc'],
  ])('%s -> %s', (path, logged) => {
    expect(redactPath(path)).toBe(logged)
  })
})
