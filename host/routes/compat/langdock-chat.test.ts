/**
 * Langdock's agent chat against a real host: the whole assistant UI message (`stream: false`),
 * the UI message stream read by the AI SDK's own client (ai 5.0.0 and ai 6), sessions, chat
 * keys, owner keys, the models list and every refusal. The model is the offline `demo:instant`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AI_SDKS, readMessage, type UiMessage } from '../../testing/ai-sdk.ts'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../../testing/harness.ts'
import { bearer, chatKey, ownerKey, unknownChatKey } from './test-helpers.ts'

const COMPLETIONS = '/agent/v1/chat/completions'

let host: TestHost
let agentId: string
let key: { id: string; credential: string }

beforeAll(async () => {
  host = await startTestHost()
  const agent = await host.owner.publishedAgent({ name: 'Langdock chat', model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
  agentId = agent.id
  key = await chatKey(host, agentId)
})
afterAll(async () => {
  await host?.stop()
})

const userMessage = (text: string): UiMessage => ({ id: `u-${crypto.randomUUID()}`, role: 'user', parts: [{ type: 'text', text }] })

const ask = (body: Record<string, unknown>, credential = key.credential, headers: Record<string, string> = {}) =>
  host.post(COMPLETIONS, { agentId, messages: [userMessage('Hello there')], ...body }, { ...bearer(credential), ...headers })

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } }
  return { status: response.status, ...body.error }
}

const textOf = (message: { parts: { type: string; text?: string }[] } | undefined) =>
  (message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text ?? ''] : [])).join('')

describe('Langdock chat, stream: false', () => {
  it('answers with the assistant UI message itself, and the session to send back', async () => {
    const response = await ask({})
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    const message = await response.json()
    expect(Object.keys(message).sort()).toEqual(['id', 'parts', 'role'])
    expect(message.role).toBe('assistant')
    expect(message.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(textOf(message)).toContain('Hello there')
    expect(message.parts[0]).toEqual({ type: 'step-start' })
    expect(response.headers.get('x-porch-session-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('shows a tool call as a dynamic tool part with its input and output', async () => {
    const message = await (await ask({ messages: [userMessage('What time is it?')] })).json()
    const tool = message.parts.find((part: { type: string }) => part.type === 'dynamic-tool')
    expect(tool).toMatchObject({ type: 'dynamic-tool', toolName: 'current_time', state: 'output-available' })
    expect(typeof tool.toolCallId).toBe('string')
    expect(String(tool.output)).toMatch(/\d{4}-\d{2}-\d{2}/)
  })

  it.each(AI_SDKS)('reads as the message ai $version assembles from the same answer streamed', async (sdk) => {
    const question = 'What time is it?'
    const whole = await (await ask({ messages: [userMessage(question)] })).json()
    const streamed = await ask({ messages: [userMessage(question)], stream: true })
    const chunks = streamed.body!.pipeThrough(new TextDecoderStream()).pipeThrough(sseJson())
    const { message, errors } = await readMessage(sdk, chunks)
    expect(errors).toEqual([])
    const shape = (parts: { type: string; toolName?: string; state?: string }[]) => parts.map(({ type, toolName, state }) => ({ type, toolName, state }))
    expect(shape(whole.parts)).toEqual(shape(message!.parts as never))
  })

  it('continues a session from X-Porch-Session-Id, or from the body’s id (useChat’s chat id)', async () => {
    const first = await ask({ messages: [userMessage('First question')] })
    const sessionId = first.headers.get('x-porch-session-id')!
    const second = await ask({ messages: [userMessage('Second question')] }, key.credential, { 'x-porch-session-id': sessionId })
    expect(second.headers.get('x-porch-session-id')).toBe(sessionId)
    await ask({ id: sessionId, messages: [userMessage('Third question')] })
    const transcript = await host.owner.call('GET', `/agents/${agentId}/sessions/${sessionId}?scope=key:${key.id}`)
    expect(transcript.status).toBe(200)
    const asked = transcript.body.messages
      .filter((message: { role: string }) => message.role === 'user')
      .map((message: { content: { text: string }[] }) => message.content[0]!.text)
    expect(asked).toEqual(['First question', 'Second question', 'Third question'])
  })

  it('without an id, each request is a new session', async () => {
    const one = (await ask({})).headers.get('x-porch-session-id')
    const two = (await ask({})).headers.get('x-porch-session-id')
    expect(one).not.toBe(two)
  })
})

describe('Langdock chat, files and sources', () => {
  it('hands a tool’s file over as a file part its URL downloads, in its own session and key only', async () => {
    const agent = await host.owner.publishedAgent({ name: 'Files', model: 'demo:instant', tools: [{ type: 'builtin', name: 'create_file' }] })
    const own = await chatKey(host, agent.id)
    const response = await ask({ agentId: agent.id, messages: [userMessage('Make me a CSV file please')] }, own.credential)
    const message = await response.json()
    const file = message.parts.find((part: { type: string }) => part.type === 'file')
    expect(file).toMatchObject({ type: 'file', mediaType: 'text/csv' })
    const sessionId = response.headers.get('x-porch-session-id')!
    expect(file.url.startsWith(`${host.publicUrl}/agent/v1/files/${agent.id}/${own.id}/${sessionId}/`)).toBe(true)
    const download = await fetch(file.url)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-disposition')).toContain('attachment')
    expect(await download.text()).toContain('Make me a CSV file please')
    expect((await fetch(file.url.replace(`/${own.id}/`, `/${key.id}/`))).status).toBe(404)
    expect((await fetch(file.url.replace(`/${sessionId}/`, '/another-session/'))).status).toBe(404)
    expect((await fetch(file.url.replace(`/${own.id}/`, '/not-a-key/'))).status).toBe(404)
  })

  it('cites a pasted text as a source-url part its URL downloads', async () => {
    const agent = await host.owner.createAgent({ name: 'Docs bot', model: 'demo:instant' })
    const notes = 'The Harbour plan is billed monthly, 42 euros each month.'
    const sourceId = await host.owner.addKnowledge(agent.id, { title: 'Billing notes', text: notes })
    await host.owner.publish(agent.id)
    const message = await (await ask({ agentId: agent.id, messages: [userMessage('How much is the Harbour plan?')] }, ADMIN_TOKEN)).json()
    const cited = message.parts.find((part: { type: string; title?: string }) => part.type === 'source-url' && part.title === 'Billing notes')
    expect(cited?.url).toBe(`${host.publicUrl}/agent/v1/knowledge/${agent.id}/${sourceId}/file`)
    expect(await (await fetch(cited.url)).text()).toBe(notes)
    expect((await fetch(cited.url.replace(agent.id, agentId))).status).toBe(404)
  })
})

describe.each(AI_SDKS)('Langdock chat, stream: true, read by ai $version', (sdk) => {
  it('streams the UI message stream that useChat’s transport reads, with agentId and stream in its body', async () => {
    const Transport = sdk.DefaultChatTransport as unknown as new (options: Record<string, unknown>) => InstanceType<typeof sdk.DefaultChatTransport>
    const transport = new Transport({ api: host.url + COMPLETIONS, headers: bearer(key.credential), body: { agentId, stream: true } })
    const stream = await transport.sendMessages({
      chatId: `ld-${crypto.randomUUID()}`,
      messages: [userMessage('What time is it?')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    })
    const { message, errors } = await readMessage(sdk, stream)
    expect(errors).toEqual([])
    expect(message?.role).toBe('assistant')
    expect(message?.parts.some((part) => part.type === 'dynamic-tool' && part.toolName === 'current_time' && part.state === 'output-available')).toBe(true)
    expect(textOf(message as never).length).toBeGreaterThan(0)
  })

  it('answers with the SDK’s stream header and the session header', async () => {
    const response = await ask({ stream: true })
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1')
    expect(response.headers.get('x-porch-session-id')).toMatch(/^[0-9a-f-]{36}$/)
    const text = await response.text()
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
  })
})

describe('Langdock chat, who may chat', () => {
  it('an owner key of any role chats with the agents it reaches; 403 outside them', async () => {
    const other = await host.owner.publishedAgent({ name: 'Other', model: 'demo:instant' })
    const viewer = await ownerKey(host, 'viewer', [agentId])
    expect((await ask({}, viewer)).status).toBe(200)
    const refused = await errorOf(await ask({ agentId: other.id }, viewer))
    expect(refused).toMatchObject({ status: 403, code: 'forbidden' })
    expect((await ask({ agentId: other.id }, ADMIN_TOKEN)).status).toBe(200)
  })

  it('a chat key chats with its own agent only (403 for another)', async () => {
    const other = await host.owner.publishedAgent({ name: 'Not the key’s', model: 'demo:instant' })
    expect(await errorOf(await ask({ agentId: other.id }))).toMatchObject({ status: 403, code: 'forbidden' })
  })

  it('401 without a key or with an unknown one; 403 from a browser', async () => {
    const none = await host.post(COMPLETIONS, { agentId, messages: [userMessage('hi')] })
    expect(await errorOf(none)).toMatchObject({ status: 401, code: 'unauthorized' })
    expect((await ask({}, unknownChatKey)).status).toBe(401)
    expect((await ask({}, `own_${'A'.repeat(12)}.${'B'.repeat(43)}`)).status).toBe(401)
    expect(await errorOf(await ask({}, key.credential, { origin: 'https://shop.example' }))).toMatchObject({ status: 403, code: 'browser_origin_refused' })
  })

  it('404 for an unknown or unpublished agent', async () => {
    expect(await errorOf(await ask({ agentId: crypto.randomUUID() }, ADMIN_TOKEN))).toMatchObject({ status: 404, code: 'not_found' })
    expect((await ask({ agentId: 'agent_123' }, ADMIN_TOKEN)).status).toBe(404)
    const draft = await host.owner.call('POST', '/agents', { name: 'Draft only', model: 'demo:instant' })
    expect((await ask({ agentId: draft.body.id }, ADMIN_TOKEN)).status).toBe(404)
  })

  it('400 for a bad body, naming what is wrong, and nothing stored', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ messages: [] }, /messages/],
      [{ messages: 'hi' }, /messages/],
      [{ messages: [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }] }, /role "user"/],
      [{ messages: [userMessage('   ')] }, /no text/],
      [{ agent: { name: 'temp', instructions: 'x' } }, /^agent:/],
      [{ output: { type: 'object' } }, /^output:/],
      [{ agentId: undefined }, /agentId/],
      [{ stream: 'yes' }, /stream/],
    ]
    for (const [body, message] of cases) {
      const refused = await errorOf(await ask({ ...body, id: 'bad-body-session' }))
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.message, JSON.stringify(body)).toMatch(message)
    }
    const transcript = await host.owner.call('GET', `/agents/${agentId}/sessions/bad-body-session?scope=key:${key.id}`)
    expect(transcript.status).toBe(404)
  })

  it('429 with Retry-After once a key has spent its chats; other keys go on', async () => {
    // One chat a minute per visitor IP makes 20 a minute per key.
    const limited = await startTestHost({ PORCH_RATE_CHAT_PER_MINUTE: '1' })
    try {
      const agent = await limited.owner.publishedAgent({ name: 'Busy', model: 'demo:instant' })
      const busy = await chatKey(limited, agent.id)
      const post = (credential: string) => limited.post(COMPLETIONS, { agentId: agent.id, messages: [userMessage('hi')] }, bearer(credential))
      for (let i = 0; i < 20; i++) expect((await post(busy.credential)).status).toBe(200)
      const refused = await post(busy.credential)
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await errorOf(refused)).toMatchObject({ status: 429, code: 'rate_limited' })
      expect((await post((await chatKey(limited, agent.id)).credential)).status).toBe(200)
    } finally {
      await limited.stop()
    }
  })
})

describe('Langdock models', () => {
  it('lists the models this host runs, in Langdock’s shape, for any key', async () => {
    for (const credential of [key.credential, ADMIN_TOKEN, await ownerKey(host, 'viewer')]) {
      const response = await host.get('/agent/v1/models', bearer(credential))
      expect(response.status).toBe(200)
      const body = await response.json()
      expect(body.object).toBe('list')
      expect(body.data).toContainEqual({ id: 'demo:instant', object: 'model', created: 0, owned_by: 'demo' })
      // No OpenAI or Anthropic key on this host: their models are not offered.
      expect(body.data.every((model: { owned_by: string }) => model.owned_by === 'demo')).toBe(true)
    }
    expect((await host.get('/agent/v1/models')).status).toBe(401)
  })
})

/** SSE text → the JSON payload of each `data:` line (the `[DONE]` sentinel dropped), as the SDK's transport parses it. */
function sseJson(): TransformStream<string, unknown> {
  let buffer = ''
  return new TransformStream({
    transform(text, controller) {
      buffer += text
      const frames = buffer.split('\n\n')
      buffer = frames.pop() ?? ''
      for (const frame of frames) {
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (data !== '' && data !== '[DONE]') controller.enqueue(JSON.parse(data))
      }
    },
  })
}
