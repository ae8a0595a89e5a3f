/**
 * Visitor attachments: uploaded to a session, checked on their bytes, sent with a message, and
 * passed to the model (images as images, text files as text). Agents accept them only when
 * their owner switched it on; every refusal is a clear 4xx that stores nothing.
 */
// SQLite-only on purpose: it counts every file row on disk, whatever agent or session, to prove a refusal stores nothing.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../shared/index.ts'
import { type FakeProvider, startFakeOpenAI } from '../testing/fake-providers.ts'
import { readSse, startTestHost, type TestHost } from '../testing/harness.ts'

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)])
const CSV = 'size,colour\n56,red\n'

let host: TestHost
let model: FakeProvider

beforeAll(async () => {
  model = await startFakeOpenAI(() => ({ text: ['Nice picture.'] }))
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
})
afterAll(async () => {
  await host.stop()
  await model.close()
})

const upload = (base: string, session: string, body: Buffer | string, type: string, filename = 'file', headers: Record<string, string> = {}) =>
  fetch(`${host.url}${base}/sessions/${session}/attachments?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
  })

const fileCount = () => {
  const db = new Database(host.dbPath, { readonly: true })
  const { n } = db.prepare('SELECT COUNT(*) AS n FROM files').get() as { n: number }
  db.close()
  return n
}

describe('visitor attachments', () => {
  it('passes an image and a text file to the model and keeps them in the session history', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', attachments: true })
    const base = `/api/v1/published/${agent.id}`
    const info = await (await host.get(base)).json()
    expect(info.accepts_attachments).toBe(true)

    const image = await upload(base, 'with-files', PNG, 'image/png', 'bike.png')
    expect(image.status).toBe(201)
    const imageFile = await image.json()
    expect(imageFile).toMatchObject({ filename: 'bike.png', size: PNG.length, content_type: 'image/png' })
    const text = await (await upload(base, 'with-files', CSV, 'text/csv; charset=utf-8', 'sizes.csv')).json()
    expect(text.content_type).toBe('text/csv')

    const before = model.requests.length
    const events = await readSse(
      await host.post(`${base}/chat`, { request: 'What do you think?', session_id: 'with-files', attachments: [imageFile.file_id, text.file_id] }),
    )
    expect(events.at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })

    const sent = model.requests.slice(before)[0]!.body.messages.at(-1)
    expect(sent.role).toBe('user')
    expect(sent.content[0]).toEqual({ type: 'text', text: 'What do you think?' })
    expect(sent.content).toContainEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } })
    expect(sent.content).toContainEqual({ type: 'text', text: `The visitor attached the file "sizes.csv" (text/csv):\n\n${CSV}` })

    const history = await (await host.get(`${base}/sessions/with-files`)).json()
    expect(history.messages[0].content).toEqual([
      { type: 'text', text: 'What do you think?' },
      { type: 'attachment', file_id: imageFile.file_id, filename: 'bike.png', size: PNG.length, content_type: 'image/png' },
      { type: 'attachment', file_id: text.file_id, filename: 'sizes.csv', size: CSV.length, content_type: 'text/csv' },
    ])

    // Later turns still show the model the earlier files (loaded from the store).
    const next = model.requests.length
    await readSse(await host.post(`${base}/chat`, { request: 'And now?', session_id: 'with-files' }))
    expect(JSON.stringify(model.requests.slice(next)[0]!.body.messages)).toContain(PNG.toString('base64'))
  })

  it('refuses attachments for agents that do not accept them, storing nothing', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test' })
    const base = `/api/v1/published/${agent.id}`
    expect((await (await host.get(base)).json()).accepts_attachments).toBe(false)
    const files = fileCount()
    const refused = await upload(base, 'no-files', PNG, 'image/png')
    expect(refused.status).toBe(400)
    expect((await refused.json()).error.code).toBe('attachments_disabled')
    const chat = await host.post(`${base}/chat`, { request: 'hi', session_id: 'no-files', attachments: ['00000000-0000-4000-8000-000000000000'] })
    expect(chat.status).toBe(400)
    expect((await chat.json()).error.code).toBe('attachments_disabled')
    expect(fileCount()).toBe(files)
  })

  it('checks the bytes, the type, the size and the session, with a clear 4xx each time', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', attachments: true })
    const base = `/api/v1/published/${agent.id}`
    const files = fileCount()
    const cases: [Buffer | string, string, number, string][] = [
      [Buffer.from('%PDF-1.4'), 'application/pdf', 415, 'unsupported_attachment'],
      [Buffer.from('not really a png'), 'image/png', 415, 'unsupported_attachment'],
      [PNG, 'image/jpeg', 415, 'unsupported_attachment'],
      [Buffer.from([0xff, 0xfe, 0xfd]), 'text/plain', 415, 'unsupported_attachment'],
      [Buffer.from('a\u0000b'), 'text/plain', 415, 'unsupported_attachment'],
      [Buffer.alloc(0), 'text/plain', 400, 'invalid_request'],
      [Buffer.alloc(LIMITS.attachmentBytes + 1, 0x61), 'text/plain', 413, 'payload_too_large'],
    ]
    for (const [body, type, status, code] of cases) {
      const response = await upload(base, 'checks', body, type)
      expect(response.status, `${type} ${body.length}`).toBe(status)
      expect((await response.json()).error.code).toBe(code)
    }
    expect(fileCount()).toBe(files)

    // A bad session id is refused before anything is read.
    expect((await upload(base, 'bad%20id', CSV, 'text/plain')).status).toBe(404)

    // A file from another session, an unknown id, or too many files: 400 before any run starts.
    const elsewhere = await (await upload(base, 'other-session', CSV, 'text/plain')).json()
    const traces = (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces.length
    for (const [attachments, code] of [
      [[elsewhere.file_id], 'unknown_attachment'],
      [['00000000-0000-4000-8000-000000000000'], 'unknown_attachment'],
      [Array.from({ length: LIMITS.attachmentsPerMessage + 1 }, () => elsewhere.file_id), 'invalid_request'],
      [['not-a-uuid'], 'invalid_request'],
    ] as const) {
      const response = await host.post(`${base}/chat`, { request: 'hi', session_id: 'checks', attachments })
      expect(response.status).toBe(400)
      expect((await response.json()).error.code).toBe(code)
    }
    const withoutSession = await host.post(`${base}/chat`, { request: 'hi', attachments: [elsewhere.file_id] })
    expect(withoutSession.status).toBe(400)
    expect((await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces).toHaveLength(traces)
  })

  it('needs the password of a protected link to upload', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', attachments: true }, { access: 'link' })
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Locked', password: 'open sesame' })).body
    const base = `/api/v1/links/${link.token}`
    expect((await upload(base, 'link-files', CSV, 'text/plain')).status).toBe(401)
    const { token } = await (await host.post(`${base}/unlock`, { password: 'open sesame' })).json()
    expect((await upload(base, 'link-files', CSV, 'text/plain', 'notes.txt', { authorization: `Bearer ${token}` })).status).toBe(201)
  })

  it('answers the preflight of a cross-origin upload from an allowed site only', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', attachments: true })
    await host.owner.updateAgent(agent.id, { allowed_origins: ['https://shop.example'] })
    const path = `/api/v1/published/${agent.id}/sessions/s/attachments`
    const allowed = await fetch(host.url + path, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    const other = await upload(`/api/v1/published/${agent.id}`, 's', CSV, 'text/plain', 'x.txt', { origin: 'https://evil.example' })
    expect(other.status).toBe(403)
  })
})
