/**
 * The Auto Agents stream (`POST /openapi/agents/chat/stream/v1`) as the official SDKs read it:
 * `data:` chunks of `{chatId, content, reasoningContent, complete, finish}`, ending at `finish`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../../shared/index.ts'
import { type FakeProvider, type ScriptedReply, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'
import { bearer, chatKey, dataPayloads } from './test-helpers.ts'

const STREAM = '/openapi/agents/chat/stream/v1'
const COMPLETIONS = '/openapi/agents/chat/completions/v1'
const CHUNK_FIELDS = ['chatId', 'complete', 'content', 'finish', 'reasoningContent']

let host: TestHost
let fake: FakeProvider
let nextReply: ScriptedReply = {}
let agent: Agent
let key: { id: string; credential: string }

beforeAll(async () => {
  globalThis.AI_SDK_LOG_WARNINGS = false
  fake = await startFakeOpenAI(() => nextReply)
  host = await startTestHost({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test' })
  agent = await host.owner.publishedAgent({ name: 'Auto stream', model: 'demo:instant' })
  key = await chatKey(host, agent.id)
})
afterAll(async () => {
  await host.stop()
  await fake.close()
})

const stream = async (body: Record<string, unknown>, credential = key.credential) => {
  const response = await host.post(STREAM, { agentId: agent.id, ...body }, bearer(credential))
  return { response, text: await response.text() }
}

describe('Auto Agents stream', () => {
  it('sends content chunks, then one chunk with complete and finish, every chunk with every field', async () => {
    const whole = (await (await host.post(COMPLETIONS, { agentId: agent.id, userChatInput: 'Stream me' }, bearer(key.credential))).json()).choices[0].content
    const { response, text } = await stream({ userChatInput: 'Stream me' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    // Only `data:` lines (and `: ping` comments): the SDKs' readers split on blank lines and read `data:`.
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('data: ') && !line.startsWith(':'))).toEqual([])

    const chunks = dataPayloads(text)
    expect(chunks).not.toContain('[DONE]')
    for (const chunk of chunks) expect(Object.keys(chunk).sort()).toEqual(CHUNK_FIELDS)
    const chatId = chunks[0].chatId
    expect(chatId).toMatch(/^[0-9a-f-]{36}$/)
    expect(chunks.every((chunk) => chunk.chatId === chatId && chunk.reasoningContent === '')).toBe(true)

    const [last, ...reversed] = [...chunks].reverse()
    const pieces = reversed.reverse()
    expect(last).toEqual({ chatId, content: '', reasoningContent: '', complete: true, finish: true })
    expect(pieces.length).toBeGreaterThan(3)
    for (const piece of pieces) expect(piece).toMatchObject({ content: expect.stringMatching(/./s), complete: false, finish: false })
    expect(pieces.map((piece) => piece.content).join('')).toBe(whole)
  })

  it('continues the conversation by chatId, shared with the completions path', async () => {
    const first = dataPayloads((await stream({ userChatInput: 'First' })).text)
    const chatId = first[0].chatId
    const second = dataPayloads((await stream({ userChatInput: 'Second', chatId })).text)
    expect(second.every((chunk) => chunk.chatId === chatId)).toBe(true)
    expect(second.map((chunk) => chunk.content).join('')).toContain('**1** earlier question in this session')
    const third = await (await host.post(COMPLETIONS, { agentId: agent.id, userChatInput: 'Third', chatId }, bearer(key.credential))).json()
    expect(third.choices[0].content).toContain('**2** earlier questions in this session')
  })

  it('a run with a tool call streams the text of both turns, joined by a blank line, as one bubble', async () => {
    const clockAgent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    const clockKey = await chatKey(host, clockAgent.id)
    const chunks = dataPayloads((await stream({ agentId: clockAgent.id, userChatInput: 'What time is it?' }, clockKey.credential)).text)
    const text = chunks.map((chunk) => chunk.content).join('')
    expect(text).toMatch(/^Let me check the clock\.\n\n\*\(Demo model.*The `current_time` tool answered/s)
    expect(chunks.filter((chunk) => chunk.complete)).toHaveLength(1)
    expect(chunks.at(-1)).toMatchObject({ complete: true, finish: true })
  })

  it('a run that fails midway sends an error chunk after what was sent, and no finish', async () => {
    const flaky = await host.owner.publishedAgent({ name: 'Flaky stream', model: 'openai:gpt-test' })
    const flakyKey = await chatKey(host, flaky.id)
    nextReply = { text: ['Hel', 'lo'], cutAfterChunks: 1 }
    const chunks = dataPayloads((await stream({ agentId: flaky.id, userChatInput: 'hi' }, flakyKey.credential)).text)
    expect(chunks[0]).toMatchObject({ content: 'Hel', complete: false, finish: false })
    expect(chunks.at(-1)).toEqual({
      chatId: chunks[0].chatId,
      content: '',
      reasoningContent: '',
      complete: false,
      finish: false,
      error: { code: 'model_error', message: expect.any(String) },
    })
    expect(chunks.some((chunk) => chunk.finish)).toBe(false)
  })

  it('refuses before streaming with the host error body: bad body 400, no key 401, another agent 403', async () => {
    const bad = await host.post(STREAM, { agentId: agent.id }, bearer(key.credential))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('invalid_request')
    expect((await host.post(STREAM, { agentId: agent.id, userChatInput: 'hi' })).status).toBe(401)
    const other = await host.owner.publishedAgent({ name: 'Other', model: 'demo:instant' })
    const wrong = await host.post(STREAM, { agentId: other.id, userChatInput: 'hi' }, bearer(key.credential))
    expect(wrong.status).toBe(403)
    expect((await wrong.json()).error.code).toBe('forbidden')
  })
})

describe('Auto Agents request fields', () => {
  // What the SDKs send besides the question: never a reason to refuse it.
  const extras: Record<string, unknown>[] = [
    { images: [], files: [], state: {}, buttonKey: '', debug: false },
    { images: null, files: null, state: null, buttonKey: null, debug: null, conversationId: null },
    { images: [{ url: 'http://127.0.0.1:9/cat.png' }], files: [{ fileId: 'f1', fileName: 'plan.pdf', fileUrl: 'https://x.example/f1' }] },
    { state: { city: 'Berlin', nested: { a: [1, 2] } }, buttonKey: 'confirm', debug: true, conversationId: 'c-1' },
    { images: 'not-a-list', files: { odd: true }, state: 'x', buttonKey: 7, debug: 'yes', somethingNew: [1] },
    { images: [{ nourl: true }, 'https://x.example/a.png', { url: 42 }] },
  ]

  it.each([COMPLETIONS, '/openapi/agent/chat/completions/v1', STREAM])('%s accepts and ignores them', async (path) => {
    for (const extra of extras) {
      const response = await host.post(path, { agentId: agent.id, userChatInput: 'With extras', ...extra }, bearer(key.credential))
      expect(response.status, JSON.stringify(extra)).toBe(200)
      const text = await response.text()
      const reply =
        path === STREAM
          ? dataPayloads(text)
              .map((chunk) => chunk.content)
              .join('')
          : JSON.parse(text).choices[0].content
      // The agent takes no attachments: its images are never fetched, so the unreachable URL above changes nothing.
      expect(reply, JSON.stringify(extra)).toContain('> With extras')
    }
  })
})
