/** The runtime's refusals as the API answers them: each ChatError code through the host's one error handler. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { handleError } from '../http/errors.ts'
import { ChatError, type ChatErrorCode } from './errors.ts'

function answer(error: Error) {
  const logged: string[] = []
  const app = new Hono()
  app.onError(handleError((message) => logged.push(message)))
  app.post('/chat', () => {
    throw error
  })
  return { response: app.request('/chat', { method: 'POST' }), logged }
}

describe('ChatError through handleError', () => {
  const statuses: [ChatErrorCode, number][] = [
    ['attachments_disabled', 400],
    ['invalid_request', 400],
    ['unknown_attachment', 400],
    ['request_id_conflict', 409],
    ['run_gone', 410],
  ]
  for (const [code, status] of statuses) {
    it(`${code} is a ${status} with its own message, not logged`, async () => {
      const { response, logged } = answer(new ChatError(code, `why ${code}`))
      expect((await response).status).toBe(status)
      expect(await (await response).json()).toEqual({ error: { code, message: `why ${code}` } })
      expect(logged).toEqual([])
    })
  }

  it('shutting_down is the host’s one shutdown answer: 503, Retry-After, Connection: close', async () => {
    const { response } = answer(new ChatError('shutting_down', 'closing'))
    const res = await response
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(res.headers.get('connection')).toBe('close')
    expect(await res.json()).toEqual({ error: { code: 'shutting_down', message: expect.stringMatching(/restarting/), details: { retry_after_seconds: 5 } } })
  })

  it('any other error stays a logged 500', async () => {
    const { response, logged } = answer(new Error('boom'))
    expect((await response).status).toBe(500)
    expect(logged).toHaveLength(1)
  })
})
