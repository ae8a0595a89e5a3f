/**
 * Feedback over real HTTP: a visitor rates an answer, changes and clears the rating, sees it in
 * the history; only the session's own scope reaches it (another link, a chat key, the public
 * API are "not found"; a link-only agent's public API is 403), and bad input changes nothing.
 * `PORCH_TEST_STORE=postgres` runs it on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../shared/index.ts'
import { startTestHost, type TestHost } from '../testing/harness.ts'

let host: TestHost
let agent: Agent
beforeAll(async () => {
  host = await startTestHost()
  agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
})
afterAll(() => host.stop())

const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(host.url + path, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })

/** One turn in a new session through `base`; returns the session id (its answer is seq 2). */
async function turn(base: string, sessionId: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await host.post(`${base}/chat/sync`, { request: 'hello', session_id: sessionId }, headers)
  expect(response.status).toBe(200)
  return sessionId
}

const history = async (base: string, sessionId: string, headers: Record<string, string> = {}) => {
  const response = await host.get(`${base}/sessions/${sessionId}`, headers)
  expect(response.status).toBe(200)
  return (await response.json()).messages as { role: string; seq?: number; feedback?: { rating: string; comment: string | null } }[]
}

describe('visitor feedback', () => {
  it('rates an answer, shows it in the history, replaces it and clears it', async () => {
    const base = `/api/v1/published/${agent.id}`
    const sessionId = await turn(base, 'fb-published-1')
    expect((await history(base, sessionId)).map((m) => [m.role, m.seq, m.feedback])).toEqual([
      ['user', 1, undefined],
      ['assistant', 2, undefined],
    ])
    const rated = await send('PUT', `${base}/sessions/${sessionId}/messages/2/feedback`, { rating: 'down', comment: '  Wrong date.  ' })
    expect(rated.status).toBe(200)
    expect(await rated.json()).toMatchObject({ rating: 'down', comment: 'Wrong date.' })
    expect((await history(base, sessionId))[1]!.feedback).toMatchObject({ rating: 'down', comment: 'Wrong date.' })

    const changed = await send('PUT', `${base}/sessions/${sessionId}/messages/2/feedback`, { rating: 'up', comment: '' })
    expect(await changed.json()).toMatchObject({ rating: 'up', comment: null })
    expect((await history(base, sessionId))[1]!.feedback).toMatchObject({ rating: 'up', comment: null })

    expect((await send('DELETE', `${base}/sessions/${sessionId}/messages/2/feedback`)).status).toBe(204)
    expect((await history(base, sessionId))[1]!.feedback).toBeUndefined()
  })

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const base = `/api/v1/published/${agent.id}`
    const sessionId = await turn(base, 'fb-bad-input')
    const url = `${base}/sessions/${sessionId}/messages/2/feedback`
    expect((await send('PUT', url, { rating: 'up', comment: 'kept' })).status).toBe(200)
    const cases: [string, unknown, number][] = [
      [url, { rating: 'meh' }, 400],
      [url, { rating: 'down', comment: 'x'.repeat(2_001) }, 400],
      [url, { rating: 'down', comment: 7 }, 400],
      [url, '{"rating":', 400],
      [`${base}/sessions/${sessionId}/messages/0/feedback`, { rating: 'down' }, 400],
      [`${base}/sessions/${sessionId}/messages/two/feedback`, { rating: 'down' }, 400],
      // The visitor's own message is no answer; a message that does not exist neither.
      [`${base}/sessions/${sessionId}/messages/1/feedback`, { rating: 'down' }, 404],
      [`${base}/sessions/${sessionId}/messages/3/feedback`, { rating: 'down' }, 404],
      [`${base}/sessions/no-such-session/messages/2/feedback`, { rating: 'down' }, 404],
      [`/api/v1/published/00000000-0000-4000-8000-000000000000/sessions/${sessionId}/messages/2/feedback`, { rating: 'down' }, 404],
    ]
    for (const [path, body, status] of cases) {
      const response = await send('PUT', path, body)
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(status)
      expect((await response.json()).error.message).toBeTruthy()
    }
    expect((await send('DELETE', `${base}/sessions/${sessionId}/messages/1/feedback`)).status).toBe(404)
    expect((await history(base, sessionId))[1]!.feedback).toMatchObject({ rating: 'up', comment: 'kept' })
  })

  it('is changed only from the scope that holds the session: links, chat keys and the public API stay apart', async () => {
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'feedback' })).body as { token: string }
    const other = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'other' })).body as { token: string }
    const key = (await host.owner.call('POST', `/agents/${agent.id}/keys`, { name: 'feedback' })).body.key as string
    const viaLink = `/api/v1/links/${link.token}`
    const viaOther = `/api/v1/links/${other.token}`
    const published = `/api/v1/published/${agent.id}`
    const asKey = { authorization: `Bearer ${key}` }

    const linkSession = await turn(viaLink, 'fb-shared-id')
    expect((await send('PUT', `${viaLink}/sessions/${linkSession}/messages/2/feedback`, { rating: 'up' })).status).toBe(200)
    // The same session id elsewhere is another session, without this answer.
    for (const [base, headers] of [
      [viaOther, {}],
      [published, {}],
      [published, asKey],
    ] as const) {
      expect((await send('PUT', `${base}/sessions/${linkSession}/messages/2/feedback`, { rating: 'down' }, headers)).status).toBe(404)
      expect((await send('DELETE', `${base}/sessions/${linkSession}/messages/2/feedback`, undefined, headers)).status).toBe(404)
    }
    expect((await history(viaLink, linkSession))[1]!.feedback).toMatchObject({ rating: 'up' })
    expect((await send('DELETE', `${viaLink}/sessions/${linkSession}/messages/2/feedback`)).status).toBe(204)
    expect((await history(viaLink, linkSession))[1]!.feedback).toBeUndefined()

    // A chat key's sessions take feedback through the key, and only through it.
    const keySession = await turn(published, 'fb-key-session', asKey)
    expect((await send('PUT', `${published}/sessions/${keySession}/messages/2/feedback`, { rating: 'down', comment: 'via key' }, asKey)).status).toBe(200)
    expect((await send('DELETE', `${published}/sessions/${keySession}/messages/2/feedback`)).status).toBe(404)
    expect((await history(published, keySession, asKey))[1]!.feedback).toMatchObject({ rating: 'down', comment: 'via key' })
  })

  it('is 403 on the public API of a link-only agent', async () => {
    const linkOnly = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const link = (await host.owner.call('POST', `/agents/${linkOnly.id}/links`, { name: 'only' })).body as { token: string }
    const sessionId = await turn(`/api/v1/links/${link.token}`, 'fb-link-only')
    await host.owner.updateAgent(linkOnly.id, { access: 'link' })
    const response = await send('PUT', `/api/v1/published/${linkOnly.id}/sessions/${sessionId}/messages/2/feedback`, { rating: 'down' })
    expect(response.status).toBe(403)
    expect((await history(`/api/v1/links/${link.token}`, sessionId))[1]!.feedback).toBeUndefined()
  })

  it('answers a cross-origin preflight for PUT and DELETE', async () => {
    const response = await fetch(`${host.url}/api/v1/published/${agent.id}/sessions/s/messages/2/feedback`, {
      method: 'OPTIONS',
      headers: { origin: 'https://site.example', 'access-control-request-method': 'PUT' },
    })
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT')
  })
})

describe("the owner's sessions view", () => {
  it('counts ratings per session, filters by them and shows them in the transcript with the trace', async () => {
    const own = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const base = `/api/v1/published/${own.id}`
    for (const id of ['liked', 'disliked', 'quiet']) await turn(base, id)
    await send('PUT', `${base}/sessions/liked/messages/2/feedback`, { rating: 'up' })
    await send('PUT', `${base}/sessions/disliked/messages/2/feedback`, { rating: 'down', comment: 'Too vague.' })
    const list = async (query: string) => {
      const result = await host.owner.call('GET', `/agents/${own.id}/sessions${query}`)
      expect(result.status).toBe(200)
      return result.body.sessions as { session_id: string; feedback_up: number; feedback_down: number }[]
    }
    expect((await list('')).map((s) => [s.session_id, s.feedback_up, s.feedback_down]).sort()).toEqual([
      ['disliked', 0, 1],
      ['liked', 1, 0],
      ['quiet', 0, 0],
    ])
    expect((await list('?feedback=down')).map((s) => s.session_id)).toEqual(['disliked'])
    expect((await list('?feedback=up')).map((s) => s.session_id)).toEqual(['liked'])
    expect((await list('?feedback=any')).map((s) => s.session_id).sort()).toEqual(['disliked', 'liked'])
    expect((await host.owner.call('GET', `/agents/${own.id}/sessions?feedback=meh`)).status).toBe(400)

    const transcript = (await host.owner.call('GET', `/agents/${own.id}/sessions/disliked`)).body
    const answer = transcript.messages[1]
    expect(answer.feedback).toMatchObject({ rating: 'down', comment: 'Too vague.' })
    expect(transcript.traces.map((t: { trace_id: string }) => t.trace_id)).toContain(answer.trace_id)
    expect(transcript.messages[0].feedback).toBeUndefined()
  })
})
