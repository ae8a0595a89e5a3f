import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../../shared/index.ts'
import { type FakeProvider, type ScriptedReply, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'
import { bearer, chatKey, dataPayloads, unknownChatKey } from './test-helpers.ts'

// The SDKs' plural path; the singular one is Porch's first spelling, kept (tested below).
const PATH = '/openapi/agents/chat/completions/v1'
const SINGULAR_PATH = '/openapi/agent/chat/completions/v1'

let host: TestHost
let fake: FakeProvider
let nextReply: ScriptedReply = {}
let agent: Agent
let key: { id: string; credential: string }

beforeAll(async () => {
  globalThis.AI_SDK_LOG_WARNINGS = false
  fake = await startFakeOpenAI(() => nextReply)
  host = await startTestHost({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test' })
  agent = await host.owner.publishedAgent({ name: 'Auto', model: 'demo:instant' })
  key = await chatKey(host, agent.id)
})
afterAll(async () => {
  await host.stop()
  await fake.close()
})

const ask = (body: Record<string, unknown>, credential = key.credential, headers: Record<string, string> = {}) =>
  host.post(PATH, { agentId: agent.id, ...body }, { ...bearer(credential), ...headers })

describe('Auto Agents chat', () => {
  it.each([PATH, SINGULAR_PATH])('%s answers with the chatId, the assistant content and the usage', async (path) => {
    const response = await host.post(path, { agentId: agent.id, userChatInput: 'Hello from Auto Agents' }, bearer(key.credential))
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.chatId).toMatch(/^[0-9a-f-]{36}$/)
    expect(body.choices).toEqual([{ role: 'assistant', content: expect.stringContaining('> Hello from Auto Agents') }])
    expect(body.choices[0].content).toContain('**0** earlier questions')
    expect(body.usage.prompt_tokens).toBeGreaterThan(0)
    expect(body.usage.completion_tokens).toBeGreaterThan(0)
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens)
  })

  it('continues a conversation by chatId, in the key’s own scope', async () => {
    const first = await (await ask({ userChatInput: 'First question' })).json()
    const second = await (await ask({ userChatInput: 'Second question', chatId: first.chatId })).json()
    expect(second.chatId).toBe(first.chatId)
    expect(second.choices[0].content).toContain('**1** earlier question in this session')
    // The session belongs to the key's scope: the public API does not know it.
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/${first.chatId}`)).status).toBe(404)
    // An empty or null chatId starts afresh.
    for (const chatId of ['', null]) {
      const fresh = await (await ask({ userChatInput: 'Again', chatId })).json()
      expect(fresh.chatId).not.toBe(first.chatId)
      expect(fresh.choices[0].content).toContain('**0** earlier questions')
    }
  })

  it('streams OpenAI-style chunks that add up to the whole answer, then [DONE]', async () => {
    const whole = (await (await ask({ userChatInput: 'Stream me' })).json()).choices[0].content
    const response = await ask({ userChatInput: 'Stream me', stream: true })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const payloads = dataPayloads(await response.text())
    expect(payloads.at(-1)).toBe('[DONE]')
    const chunks = payloads.slice(0, -1)
    const chatId = chunks[0].chatId
    expect(chatId).toMatch(/^[0-9a-f-]{36}$/)
    expect(chunks.every((chunk) => chunk.chatId === chatId)).toBe(true)
    expect(chunks.length).toBeGreaterThan(3)
    const text = chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('')
    expect(text).toBe(whole)
    expect(chunks.at(-1)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }], usage: { total_tokens: expect.any(Number) } })
  })

  it('keeps tool calls inside and joins the text of successive turns with a blank line', async () => {
    const clockAgent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    const clockKey = await chatKey(host, clockAgent.id)
    const body = { agentId: clockAgent.id, userChatInput: 'What time is it?' }
    // Asked for a whole reply, the demo model says nothing before its tool call.
    const whole = await (await host.post(PATH, body, bearer(clockKey.credential))).json()
    expect(whole.choices[0].content).toMatch(/^\*\(Demo model.*\n\nThe `current_time` tool answered/s)
    const streamed = dataPayloads(await (await host.post(PATH, { ...body, stream: true }, bearer(clockKey.credential))).text())
    const text = streamed
      .slice(0, -1)
      .map((chunk) => chunk.choices[0].delta.content ?? '')
      .join('')
    expect(text).toMatch(/^Let me check the clock\.\n\n\*\(Demo model/)
  })
})

describe('Auto Agents failures', () => {
  it('a failed run: 502 naming the chatId; streamed, an error chunk after what was sent and no [DONE]', async () => {
    const flaky = await host.owner.publishedAgent({ name: 'Flaky', model: 'openai:gpt-test' })
    const flakyKey = await chatKey(host, flaky.id)
    const body = { agentId: flaky.id, userChatInput: 'hi' }

    nextReply = { status: 500, errorMessage: 'upstream broke' }
    const whole = await host.post(PATH, body, bearer(flakyKey.credential))
    expect(whole.status).toBe(502)
    expect((await whole.json()).error).toMatchObject({ code: 'model_error', details: { chatId: expect.stringMatching(/^[0-9a-f-]{36}$/) } })

    nextReply = { text: ['Hel', 'lo'], cutAfterChunks: 1 }
    const payloads = dataPayloads(await (await host.post(PATH, { ...body, stream: true }, bearer(flakyKey.credential))).text())
    expect(payloads.at(0).choices[0].delta.content).toBe('Hel')
    expect(payloads.at(-1)).toEqual({ chatId: payloads.at(0).chatId, error: { code: 'model_error', message: expect.any(String) } })
    expect(payloads).not.toContain('[DONE]')
  })
})

describe('Auto Agents refusals', () => {
  it('refuses a missing, malformed or unknown key with 401', async () => {
    expect((await host.post(PATH, { agentId: agent.id, userChatInput: 'hi' })).status).toBe(401)
    expect((await ask({ userChatInput: 'hi' }, 'not-a-key')).status).toBe(401)
    const unknown = await ask({ userChatInput: 'hi' }, unknownChatKey)
    expect(unknown.status).toBe(401)
    expect((await unknown.json()).error.code).toBe('unauthorized')
    const wrongSecret = `${key.id}.${'x'.repeat(43)}`
    expect((await ask({ userChatInput: 'hi' }, wrongSecret)).status).toBe(401)
  })

  it('refuses another agent’s id with 403 and a browser Origin with 403', async () => {
    const other = await host.owner.publishedAgent({ name: 'Other', model: 'demo:instant' })
    const wrongAgent = await ask({ userChatInput: 'hi', agentId: other.id })
    expect(wrongAgent.status).toBe(403)
    expect((await wrongAgent.json()).error.code).toBe('forbidden')
    const fromBrowser = await ask({ userChatInput: 'hi' }, key.credential, { origin: 'https://shop.example' })
    expect(fromBrowser.status).toBe(403)
    expect((await fromBrowser.json()).error.code).toBe('browser_origin_refused')
  })

  it('answers 404 while the key’s agent is not published', async () => {
    const draft = await host.owner.createAgent({ name: 'Draft only', model: 'demo:instant' })
    const draftKey = await chatKey(host, draft.id)
    const response = await host.post(PATH, { agentId: draft.id, userChatInput: 'hi' }, bearer(draftKey.credential))
    expect(response.status).toBe(404)
  })

  it('refuses bad bodies with 400', async () => {
    const cases: unknown[] = [
      { agentId: agent.id },
      { agentId: agent.id, userChatInput: '' },
      { userChatInput: 'no agent' },
      { agentId: agent.id, userChatInput: 'hi', chatId: 'has spaces' },
      { agentId: agent.id, userChatInput: 'hi', stream: 'yes' },
    ]
    for (const body of cases) {
      const response = await host.post(PATH, body, bearer(key.credential))
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect((await response.json()).error.code).toBe('invalid_request')
    }
    expect((await host.post(PATH, '{"agentId":', bearer(key.credential))).status).toBe(400)
    expect((await host.post(PATH, { agentId: agent.id, userChatInput: 'x'.repeat(300_000) }, bearer(key.credential))).status).toBe(413)
  })
})

describe('Auto Agents key lifecycle', () => {
  it('a deleted key fails on its very next request', async () => {
    const doomed = await chatKey(host, agent.id)
    expect((await ask({ userChatInput: 'hi' }, doomed.credential)).status).toBe(200)
    expect((await host.owner.call('DELETE', `/keys/${doomed.id}`)).status).toBe(204)
    expect((await ask({ userChatInput: 'hi' }, doomed.credential)).status).toBe(401)
  })

  it('a refreshed key drops the old secret and works with the new one', async () => {
    const rotated = await chatKey(host, agent.id)
    const refreshed = await host.owner.call('POST', `/keys/${rotated.id}/refresh`)
    expect(refreshed.status).toBe(200)
    expect((await ask({ userChatInput: 'hi' }, rotated.credential)).status).toBe(401)
    expect((await ask({ userChatInput: 'hi' }, refreshed.body.key)).status).toBe(200)
  })
})
