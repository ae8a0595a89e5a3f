/**
 * The owner's knowledge API over real HTTP, with the real fixture files: uploads and pasted text
 * are read in a worker and stored with their chunks, bad files fail with the owner's message,
 * search finds the right passage, and publishing freezes what a version searches.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Agent, KnowledgeSearchReplySchema, KnowledgeSourceDetailSchema, KnowledgeSourceSchema } from '../../../shared/index.ts'
import { SCANNED_PDF_MESSAGE } from '../../knowledge/index.ts'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../../testing/harness.ts'

const fixture = (name: string) => readFileSync(new URL(`../../knowledge/fixtures/${name}`, import.meta.url))

let host: TestHost
let agent: Agent
beforeAll(async () => {
  host = await startTestHost({ PORCH_KNOWLEDGE_FILE_MB: '1' })
  agent = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
})
afterAll(async () => {
  await host?.stop()
})

const api = (path: string) => `${host.url}/api/v1${path}`

async function send(method: string, path: string, { token = ADMIN_TOKEN, body, type }: { token?: string; body?: BodyInit; type?: string } = {}) {
  const response = await fetch(api(path), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(type && { 'content-type': type }) },
    body,
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null,
  }
}

const upload = (agentId: string, filename: string, bytes: Uint8Array<ArrayBuffer>, type = 'application/octet-stream', token?: string) =>
  send('POST', `/agents/${agentId}/knowledge/files?filename=${encodeURIComponent(filename)}`, { body: bytes, type, token })

const addText = (agentId: string, body: unknown, token?: string) =>
  send('POST', `/agents/${agentId}/knowledge/sources`, { body: JSON.stringify(body), type: 'application/json', token })

/** The source once read: the POST answers 201 when reading took under 2 s, else 202 and the GET is polled. */
async function settled(reply: { status: number; body: { id: string; agent_id: string } }) {
  expect([201, 202], JSON.stringify(reply.body)).toContain(reply.status)
  for (let i = 0; i < 100; i++) {
    const got = await send('GET', `/agents/${reply.body.agent_id}/knowledge/sources/${reply.body.id}`)
    if (got.body.status !== 'importing') return KnowledgeSourceDetailSchema.parse(got.body)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the source never finished importing')
}

const search = async (agentId: string, q: string, version?: number) => {
  const reply = await send('GET', `/agents/${agentId}/knowledge/search?q=${encodeURIComponent(q)}${version ? `&version=${version}` : ''}`)
  expect(reply.status, reply.text).toBe(200)
  return KnowledgeSearchReplySchema.parse(reply.body).hits
}

describe('adding knowledge', () => {
  it('reads markdown, PDF, HTML and CSV uploads into chunks', async () => {
    const cases = [
      ['guide.md', 'text/markdown', /custom cakes/i],
      ['opening-hours.pdf', 'application/pdf', /Monday to Friday/],
      ['hours.html', 'text/html; charset=utf-8', /Open 8:00 to 14:00/],
      ['products.csv', 'text/csv', /Rye loaf/],
    ] as const
    for (const [name, type, text] of cases) {
      const source = await settled(await upload(agent.id, name, fixture(name), type))
      expect(source, name).toMatchObject({ kind: 'file', origin: name, status: 'ready', error: null, size: fixture(name).byteLength })
      expect(source.chunk_count).toBe(source.chunks.length)
      expect(
        source.chunks.some((chunk) => text.test(chunk.text)),
        name,
      ).toBe(true)
    }
  })

  it("reads an upload by its extension when curl's default form type names none, and keeps no such type", async () => {
    const source = await settled(await upload(agent.id, 'counter-notes.txt', fixture('counter-notes.txt'), 'application/x-www-form-urlencoded'))
    expect(source).toMatchObject({ status: 'ready', content_type: 'application/octet-stream' })
  })

  it('reads a pasted text, titled as the owner named it', async () => {
    const source = await settled(await addText(agent.id, { kind: 'text', title: 'Delivery', text: 'We deliver within 5 km of the shop on weekdays.' }))
    expect(source).toMatchObject({ kind: 'text', title: 'Delivery', status: 'ready' })
    expect(source.chunks[0]).toMatchObject({ title: 'Delivery', text: 'We deliver within 5 km of the shop on weekdays.' })
  })

  it("fails a scanned PDF, an unsupported type and invalid UTF-8 with the owner's message", async () => {
    const scanned = await settled(await upload(agent.id, 'scanned.pdf', fixture('scanned.pdf'), 'application/pdf'))
    expect(scanned).toMatchObject({ status: 'failed', error: SCANNED_PDF_MESSAGE, chunk_count: 0 })
    const word = await settled(await upload(agent.id, 'notes.docx', new Uint8Array([0x50, 0x4b, 3, 4])))
    expect(word.status).toBe('failed')
    expect(word.error).toMatch(/Unsupported file type \(\.docx\)/)
    const latin1 = await settled(await upload(agent.id, 'menu.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 'text/plain'))
    expect(latin1.status).toBe('failed')
    expect(latin1.error).toMatch(/not valid UTF-8/)
  })

  it('refuses an oversize file, an empty or unnamed upload and a bad text body with a 4xx, storing nothing', async () => {
    const before = (await send('GET', `/agents/${agent.id}/knowledge/sources`)).body.sources.length
    const big = await upload(agent.id, 'big.txt', new Uint8Array(1024 * 1024 + 1).fill(0x61), 'text/plain')
    expect(big.status).toBe(413)
    expect(big.body.error).toMatchObject({ code: 'payload_too_large', message: 'Knowledge files may be at most 1 MiB.' })
    expect((await upload(agent.id, 'empty.md', new Uint8Array())).status).toBe(400)
    const unnamed = await send('POST', `/agents/${agent.id}/knowledge/files`, { body: 'hello', type: 'text/plain' })
    expect(unnamed.status).toBe(400)
    expect(unnamed.body.error.message).toMatch(/filename=/)
    for (const body of [
      { kind: 'text', title: '', text: 'x' },
      { kind: 'text', title: 'x', text: '' },
      { kind: 'url', url: 'https://acme.example' },
      { kind: 'text', title: 'x', text: 'y', extra: 1 },
    ]) {
      const reply = await addText(agent.id, body)
      expect(reply.status, JSON.stringify(body)).toBe(400)
      expect(reply.body.error.code).toBe('invalid_request')
    }
    expect((await send('GET', `/agents/${agent.id}/knowledge/sources`)).body.sources.length).toBe(before)
  })
})

describe('reading and deleting knowledge', () => {
  it('lists, gets, downloads and deletes a source; search finds the right chunk', async () => {
    const own = await host.owner.createAgent({ name: 'Hours', model: 'demo:instant' })
    const source = await settled(await upload(own.id, 'hours.html', fixture('hours.html'), 'text/html'))
    const listed = await send('GET', `/agents/${own.id}/knowledge/sources`)
    expect(listed.body.sources.map((s: unknown) => KnowledgeSourceSchema.parse(s).id)).toEqual([source.id])

    const hits = await search(own.id, 'saturday opening')
    expect(hits[0]).toMatchObject({ source_id: source.id, rank: 1 })
    expect(hits[0]!.text).toMatch(/8:00 to 14:00/)
    expect(hits[0]!.heading_path).toContain('Weekend')

    const file = await send('GET', `/agents/${own.id}/knowledge/sources/${source.id}/file`)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="hours.html"/)
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(file.text).toBe(fixture('hours.html').toString('utf8'))

    expect((await send('DELETE', `/agents/${own.id}/knowledge/sources/${source.id}`)).status).toBe(204)
    expect((await send('GET', `/agents/${own.id}/knowledge/sources/${source.id}`)).status).toBe(404)
    expect((await send('DELETE', `/agents/${own.id}/knowledge/sources/${source.id}`)).status).toBe(404)
    expect((await send('GET', `/agents/${own.id}/knowledge/sources/not-an-id`)).status).toBe(404)
    expect(await search(own.id, 'saturday opening')).toEqual([])
  })

  it('publishing freezes what a version searches: deleting a source changes the draft only', async () => {
    const own = await host.owner.createAgent({ name: 'Versions', model: 'demo:instant' })
    await host.owner.publish(own.id)
    const changes = async () => (await send('GET', `/agents/${own.id}`)).body.has_unpublished_changes
    expect(await changes()).toBe(false)
    const source = await settled(await addText(own.id, { kind: 'text', title: 'Parking', text: 'Customers park for free behind the bakery.' }))
    // A knowledge-only change is a change: the agent says so, and publishing makes a new version.
    expect(await changes()).toBe(true)
    const published = await host.owner.publish(own.id)
    expect(published.version.version).toBe(2)
    expect(await changes()).toBe(false)

    expect((await send('DELETE', `/agents/${own.id}/knowledge/sources/${source.id}`)).status).toBe(204)
    expect(await changes()).toBe(true)
    expect(await search(own.id, 'park')).toEqual([])
    expect((await search(own.id, 'park', 2))[0]).toMatchObject({ source_id: source.id })
    const frozen = await send('GET', `/agents/${own.id}/knowledge/sources?version=2`)
    expect(frozen.body.sources.map((s: { id: string }) => s.id)).toEqual([source.id])
    expect((await send('GET', `/agents/${own.id}/knowledge/sources/${source.id}/file?version=2`)).status).toBe(200)
    expect((await send('GET', `/agents/${own.id}/knowledge/sources?version=abc`)).status).toBe(400)
  })
})

describe('who may touch knowledge', () => {
  const mintKey = async (body: Record<string, unknown>) => {
    const created = await host.owner.call('POST', '/owner-keys', body)
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    return (created.body as { key: string }).key
  }

  it("keeps a limited key out of another agent's knowledge", async () => {
    const other = await host.owner.createAgent({ name: 'Other', model: 'demo:instant' })
    const key = await mintKey({ name: 'other only', role: 'editor', agent_ids: [other.id] })
    const sourceId = (await send('GET', `/agents/${agent.id}/knowledge/sources`)).body.sources[0].id
    for (const [method, path] of [
      ['GET', `/agents/${agent.id}/knowledge/sources`],
      ['GET', `/agents/${agent.id}/knowledge/sources/${sourceId}`],
      ['GET', `/agents/${agent.id}/knowledge/sources/${sourceId}/file`],
      ['GET', `/agents/${agent.id}/knowledge/search?q=cake`],
      ['DELETE', `/agents/${agent.id}/knowledge/sources/${sourceId}`],
    ]) {
      expect((await send(method!, path!, { token: key })).status, `${method} ${path}`).toBe(403)
    }
    expect((await upload(agent.id, 'x.md', new TextEncoder().encode('# x\n\ny'), 'text/markdown', key)).status).toBe(403)
    expect((await addText(agent.id, { kind: 'text', title: 'x', text: 'y' }, key)).status).toBe(403)
    expect((await send('GET', `/agents/${agent.id}/knowledge/sources/${sourceId}`)).status).toBe(200)
  })

  it('lets a viewer read but not write', async () => {
    const key = await mintKey({ name: 'viewer', role: 'viewer' })
    const before = (await send('GET', `/agents/${agent.id}/knowledge/sources`)).body.sources
    expect((await send('GET', `/agents/${agent.id}/knowledge/sources`, { token: key })).status).toBe(200)
    expect((await addText(agent.id, { kind: 'text', title: 'x', text: 'y' }, key)).status).toBe(403)
    expect((await upload(agent.id, 'x.md', new TextEncoder().encode('# x\n\ny'), 'text/markdown', key)).status).toBe(403)
    expect((await send('DELETE', `/agents/${agent.id}/knowledge/sources/${before[0].id}`, { token: key })).status).toBe(403)
    expect((await send('GET', `/agents/${agent.id}/knowledge/sources`)).body.sources).toEqual(before)
  })
})
