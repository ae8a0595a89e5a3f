/**
 * Auto Agents `images: [{url}]`: for an agent that accepts attachments, each image is fetched
 * through the network guard (a real image server on 127.0.0.1) and reaches the model as an
 * image; an image that cannot be had refuses the message with a 4xx and stores nothing.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../../shared/index.ts'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'
import { bearer, chatKey, dataPayloads } from './test-helpers.ts'

const COMPLETIONS = '/openapi/agents/chat/completions/v1'
const STREAM = '/openapi/agents/chat/stream/v1'
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)])
const OVERSIZE = Buffer.concat([PNG, Buffer.alloc(LIMITS.attachmentBytes, 1)])

/** Paths the image server has been asked for, in order. */
const served: string[] = []
let images: Server
let imageBase: string
let model: FakeProvider
/** Loopback and private image URLs allowed, as in a test or an intranet deployment. */
let open: TestHost
/** The default: only public addresses. */
let closed: TestHost

beforeAll(async () => {
  globalThis.AI_SDK_LOG_WARNINGS = false
  images = createServer((request, response) => {
    served.push(request.url ?? '')
    const send = (status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, ...headers })
      response.end(body)
    }
    switch (request.url) {
      case '/cat.png':
        return send(200, 'image/png', PNG)
      case '/moved.png':
        return send(302, 'text/plain', '', { location: '/cat.png' })
      case '/huge.png':
        return send(200, 'image/png', OVERSIZE)
      case '/huge-chunked.png':
        // No Content-Length: the size is only known by reading, and reading stops past the limit.
        response.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' })
        response.write(PNG)
        response.end(OVERSIZE)
        return
      case '/page.png':
        return send(200, 'text/html', '<html>not an image</html>')
      case '/liar.png':
        return send(200, 'image/png', 'GIF89a, not a PNG at all')
      default:
        return send(404, 'text/plain', 'no such image')
    }
  })
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve))
  imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`
  model = await startFakeOpenAI(() => ({ text: ['A cat, ', 'I think.'] }))
  const env = { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' }
  open = await startTestHost({ ...env, PORCH_TOOLS_ALLOW_PRIVATE: '1' })
  closed = await startTestHost(env)
})
afterAll(async () => {
  await open.stop()
  await closed.stop()
  await model.close()
  await new Promise((resolve) => images.close(resolve))
})

/** A published agent that accepts attachments (or not), with a chat key. */
async function keyedAgent(host: TestHost, attachments = true) {
  const agent = await host.owner.publishedAgent({ name: 'Vision', model: 'openai:gpt-test', attachments })
  return { agent, key: await chatKey(host, agent.id) }
}

const attachmentTotals = async (host: TestHost, agentId: string) => (await host.owner.call('GET', `/agents/${agentId}/files`)).body.totals.attachments

describe('Auto Agents images as attachments', () => {
  it('fetches an image URL and hands it to the model as an image, kept in the session', async () => {
    const { agent, key } = await keyedAgent(open)
    const before = model.requests.length
    const response = await open.post(
      COMPLETIONS,
      { agentId: agent.id, userChatInput: 'What is this?', images: [{ url: `${imageBase}/cat.png` }], files: [], state: {}, buttonKey: '', debug: false },
      bearer(key.credential),
    )
    expect(response.status).toBe(200)
    const reply = await response.json()
    expect(reply.choices[0].content).toBe('A cat, I think.')

    const sent = model.requests.slice(before)[0]!.body.messages.at(-1)
    expect(sent.role).toBe('user')
    expect(sent.content[0]).toEqual({ type: 'text', text: 'What is this?' })
    expect(sent.content).toContainEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } })

    const session = await open.owner.call('GET', `/agents/${agent.id}/sessions/${reply.chatId}?scope=key:${key.id}`)
    expect(session.status).toBe(200)
    expect(session.body.messages[0].content).toContainEqual(
      expect.objectContaining({ type: 'attachment', filename: 'cat.png', size: PNG.length, content_type: 'image/png' }),
    )
    expect(await attachmentTotals(open, agent.id)).toEqual({ count: 1, bytes: PNG.length })
  })

  it('does the same on the stream path, following a redirect, into an existing chat', async () => {
    const { agent, key } = await keyedAgent(open)
    const first = await (await open.post(COMPLETIONS, { agentId: agent.id, userChatInput: 'Hello' }, bearer(key.credential))).json()
    const before = model.requests.length
    const response = await open.post(
      STREAM,
      { agentId: agent.id, chatId: first.chatId, userChatInput: 'And this one?', images: [{ url: `${imageBase}/moved.png` }] },
      bearer(key.credential),
    )
    expect(response.status).toBe(200)
    const chunks = dataPayloads(await response.text())
    expect(chunks.every((chunk) => chunk.chatId === first.chatId)).toBe(true)
    expect(chunks.at(-1)).toMatchObject({ complete: true, finish: true })
    const messages = model.requests.slice(before)[0]!.body.messages
    expect(messages.at(-1).content).toContainEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } })
    expect(JSON.stringify(messages)).toContain('Hello')
  })

  it('ignores images for an agent that takes no attachments: never fetched, never stored', async () => {
    const { agent, key } = await keyedAgent(open, false)
    const servedBefore = served.length
    const before = model.requests.length
    const response = await open.post(
      COMPLETIONS,
      { agentId: agent.id, userChatInput: 'Look', images: [{ url: `${imageBase}/cat.png` }] },
      bearer(key.credential),
    )
    expect(response.status).toBe(200)
    expect(served.length).toBe(servedBefore)
    expect(JSON.stringify(model.requests.slice(before)[0]!.body.messages)).not.toContain('image_url')
    expect(await attachmentTotals(open, agent.id)).toEqual({ count: 0, bytes: 0 })
  })
})

describe('Auto Agents images refused', () => {
  /** Asks with `images` and expects a refusal that reached no model and stored nothing. */
  async function expectRefused(host: TestHost, path: string, urls: string[], status: number, code: string) {
    const { agent, key } = await keyedAgent(host)
    const before = model.requests.length
    const response = await host.post(path, { agentId: agent.id, userChatInput: 'What is this?', images: urls.map((url) => ({ url })) }, bearer(key.credential))
    expect(response.status, urls.join(' ')).toBe(status)
    expect(response.headers.get('content-type')).toContain('application/json')
    const { error } = await response.json()
    expect(error.code).toBe(code)
    expect(model.requests.length).toBe(before)
    expect(await attachmentTotals(host, agent.id)).toEqual({ count: 0, bytes: 0 })
    expect((await host.owner.call('GET', `/agents/${agent.id}/sessions`)).body.sessions).toEqual([])
    return error.message as string
  }

  it('a loopback image when private addresses are not allowed: 400, and the image server is never asked', async () => {
    const servedBefore = served.length
    for (const path of [COMPLETIONS, STREAM]) {
      const message = await expectRefused(closed, path, [`${imageBase}/cat.png`], 400, 'image_unavailable')
      expect(message).toMatch(/^images\[0\]: .*only public addresses/)
    }
    // A metadata address stays refused even where private ones are allowed.
    await expectRefused(open, COMPLETIONS, ['http://169.254.169.254/latest/meta-data/x.png'], 400, 'image_unavailable')
    expect(served.length).toBe(servedBefore)
  })

  it('an image over 4 MiB: 413, whether or not its size was announced', async () => {
    for (const name of ['huge.png', 'huge-chunked.png']) {
      const message = await expectRefused(open, COMPLETIONS, [`${imageBase}/cat.png`, `${imageBase}/${name}`], 413, 'payload_too_large')
      expect(message).toBe('images[1] is larger than 4 MiB.')
    }
  })

  it('not an image, or not the image it claims: 415; a missing image or a bad URL: 400', async () => {
    expect(await expectRefused(open, COMPLETIONS, [`${imageBase}/page.png`], 415, 'unsupported_attachment')).toContain('images[0] is text/html')
    expect(await expectRefused(open, STREAM, [`${imageBase}/liar.png`], 415, 'unsupported_attachment')).toContain(
      'images[0]: The file is not a image/png image.',
    )
    expect(await expectRefused(open, COMPLETIONS, [`${imageBase}/gone.png`], 400, 'image_unavailable')).toContain('answered 404')
    expect(await expectRefused(open, COMPLETIONS, ['not a url'], 400, 'image_unavailable')).toBe('images[0].url is not a URL.')
    expect(await expectRefused(open, COMPLETIONS, ['file:///etc/passwd'], 400, 'image_unavailable')).toBe('images[0].url must be an http or https URL.')
  })

  it('a key past its rate limit: 429 before any image is fetched', async () => {
    // One chat a minute per visitor IP makes 20 a minute per key.
    const limited = await startTestHost({
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'sk-test',
      PORCH_TOOLS_ALLOW_PRIVATE: '1',
      PORCH_RATE_CHAT_PER_MINUTE: '1',
    })
    try {
      const agent = await limited.owner.publishedAgent({ name: 'Busy', model: 'demo:instant', attachments: true })
      const key = await chatKey(limited, agent.id)
      const ask = (extra: Record<string, unknown> = {}) =>
        limited.post(COMPLETIONS, { agentId: agent.id, userChatInput: 'hi', ...extra }, bearer(key.credential))
      for (let i = 0; i < 20; i++) expect((await ask()).status).toBe(200)
      const servedBefore = served.length
      const refused = await ask({ images: [{ url: `${imageBase}/cat.png` }] })
      expect(refused.status).toBe(429)
      expect((await refused.json()).error.code).toBe('rate_limited')
      expect(served.length).toBe(servedBefore)
      expect(await attachmentTotals(limited, agent.id)).toEqual({ count: 0, bytes: 0 })
    } finally {
      await limited.stop()
    }
  })

  it('more than 4 images: 400', async () => {
    await expectRefused(
      open,
      COMPLETIONS,
      Array.from({ length: LIMITS.attachmentsPerMessage + 1 }, () => `${imageBase}/cat.png`),
      400,
      'invalid_request',
    )
  })
})
