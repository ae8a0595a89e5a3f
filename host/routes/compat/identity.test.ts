/**
 * Signed visitor identity on the compat chat APIs (OpenAI's chat completions, Auto Agents,
 * Langdock's agent chat): a chat key's server names its signed-in user with the same user token
 * (`X-Porch-User-Token`) as the visitor API, checked the same way. An agent that requires
 * identity refuses a chat without one (401 `identity_required`), a bad token is 401
 * `invalid_identity`, and a good one stores the session as the user's.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../../shared/index.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'
import { bearer, chatKey } from './test-helpers.ts'

let host: TestHost
let agent: Agent
let key: string
let secret: string

beforeAll(async () => {
  host = await startTestHost()
  agent = await host.owner.publishedAgent({ name: 'Signed-in only', model: 'demo:instant', attachments: true })
  key = (await chatKey(host, agent.id)).credential
  secret = (await host.owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret
  expect((await host.owner.call('PATCH', `/agents/${agent.id}/identity`, { require_identity: true })).status).toBe(200)
})
afterAll(async () => {
  await host.stop()
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
function userToken(sub: string, signWith = secret): string {
  const now = Math.floor(Date.now() / 1000)
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat: now, exp: now + 600 })}`
  return `${data}.${createHmac('sha256', signWith).update(data).digest('base64url')}`
}

/** Each API's chat, with its own session id, and how it spells an error code. */
const apis = {
  openai: {
    send: (sessionId: string, headers: Record<string, string>) =>
      host.post(
        '/v1/chat/completions',
        { model: agent.id, messages: [{ role: 'user', content: 'Hello' }] },
        { ...bearer(key), 'x-porch-session-id': sessionId, ...headers },
      ),
    code: (body: { error: { code: string } }) => body.error.code,
  },
  'auto-agents': {
    send: (sessionId: string, headers: Record<string, string>) =>
      host.post('/openapi/agents/chat/completions/v1', { agentId: agent.id, chatId: sessionId, userChatInput: 'Hello' }, { ...bearer(key), ...headers }),
    code: (body: { error: { code: string } }) => body.error.code,
  },
  langdock: {
    send: (sessionId: string, headers: Record<string, string>) =>
      host.post(
        '/agent/v1/chat/completions',
        { agentId: agent.id, id: sessionId, messages: [{ id: `u-${sessionId}`, role: 'user', parts: [{ type: 'text', text: 'Hello' }] }] },
        { ...bearer(key), ...headers },
      ),
    code: (body: { error: { code: string } }) => body.error.code,
  },
}

describe.each(Object.entries(apis))('the %s chat API with a user token', (name, api) => {
  it('refuses a chat without a token or with a bad one, and keeps a good one’s session as the user’s', async () => {
    const without = await api.send(`${name}-anonymous`, {})
    expect(without.status).toBe(401)
    expect(api.code(await without.json())).toBe('identity_required')

    const forged = await api.send(`${name}-forged`, { 'X-Porch-User-Token': userToken(`${name}-user`, 'not the agent’s secret') })
    expect(forged.status).toBe(401)
    expect(api.code(await forged.json())).toBe('invalid_identity')

    const signed = await api.send(`${name}-signed`, { 'X-Porch-User-Token': userToken(`${name}-user`) })
    expect(signed.status, await signed.clone().text()).toBe(200)
    const sessions = (await host.owner.call('GET', `/agents/${agent.id}/sessions?user_id=${name}-user`)).body.sessions
    expect(sessions.map((s: { session_id: string }) => s.session_id)).toEqual([`${name}-signed`])
    // Nothing was stored for the refused chats.
    expect((await host.owner.call('GET', `/agents/${agent.id}/sessions`)).body.sessions.map((s: { session_id: string }) => s.session_id)).not.toContain(
      `${name}-anonymous`,
    )

    // Another user cannot continue it.
    const intruder = await api.send(`${name}-signed`, { 'X-Porch-User-Token': userToken(`${name}-someone-else`) })
    expect(intruder.status).toBe(404)
  })
})

describe('the Langdock chat API with another user’s chat id', () => {
  it('refuses it before storing anything in that session (a data: file part, too)', async () => {
    const owner = await apis.langdock.send('langdock-owned', { 'X-Porch-User-Token': userToken('owner-user') })
    expect(owner.status).toBe(200)
    const usage = () => host.store.fileUsage(agent.id, new Date().toISOString().slice(0, 10), 10)
    const before = await usage()
    const file = { type: 'file', mediaType: 'text/plain', filename: 'note.txt', url: `data:text/plain;base64,${Buffer.from('not yours').toString('base64')}` }
    const intruder = await host.post(
      '/agent/v1/chat/completions',
      { agentId: agent.id, id: 'langdock-owned', messages: [{ id: 'u-intruder', role: 'user', parts: [{ type: 'text', text: 'Hi' }, file] }] },
      { ...bearer(key), 'X-Porch-User-Token': userToken('intruder-user') },
    )
    expect(intruder.status).toBe(404)
    expect(await usage()).toEqual(before)
  })
})
