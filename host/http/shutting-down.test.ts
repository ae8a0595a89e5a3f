/** While the host shuts down: a 503 saying when to come back, on a connection not to be reused. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { handleError } from './errors.ts'
import { shuttingDown, shuttingDownResponse } from './shutting-down.ts'

const expected = { error: { code: 'shutting_down', message: expect.stringMatching(/restarting/), details: { retry_after_seconds: 5 } } }

describe('shuttingDown', () => {
  it('is answered by the error handler as a 503 with Retry-After and Connection: close', async () => {
    const app = new Hono()
    app.onError(handleError(() => {}))
    app.post('/chat', () => {
      throw shuttingDown()
    })
    const response = await app.request('/chat', { method: 'POST' })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(response.headers.get('connection')).toBe('close')
    expect(await response.json()).toEqual(expected)
  })
})

describe('shuttingDownResponse', () => {
  it('is the same answer, built without a context', async () => {
    const response = shuttingDownResponse()
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(response.headers.get('connection')).toBe('close')
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual(expected)
  })

  it('is a new response each time (a body can be read only once)', () => {
    expect(shuttingDownResponse()).not.toBe(shuttingDownResponse())
  })
})
