/**
 * Files that tools hand to visitors, through the whole host: the built-in create_file tool and
 * an HTTP tool that answers with a PDF. The file is stored, announced with an `output_file`
 * event, listed in the session's history, and downloadable only under its own session.
 */

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
// SQLite-only on purpose: it checks the stored row of a file the host wrote, as written on disk.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StreamEventOf } from '../../../shared/index.ts'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { readSse, type SseMessage, startTestHost, type TestHost } from '../../testing/harness.ts'

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 7), Buffer.from('\n%%EOF\n')])

let host: TestHost
let model: FakeProvider
let pdfServer: Server
let pdfUrl = ''

beforeAll(async () => {
  pdfServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="invoice 4711.pdf"' })
    res.end(PDF)
  })
  await new Promise<void>((resolve) => pdfServer.listen(0, '127.0.0.1', resolve))
  pdfUrl = `http://127.0.0.1:${(pdfServer.address() as AddressInfo).port}/invoices/4711`
  model = await startFakeOpenAI((request) =>
    request.body.messages.at(-1)?.role === 'tool'
      ? { text: ['Here is your invoice.'] }
      : { toolCalls: [{ id: 'call_pdf', name: 'invoice', input: { order: '4711' } }] },
  )
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test', PORCH_TOOLS_ALLOW_PRIVATE: '1' })
})
afterAll(async () => {
  await host.stop()
  await model.close()
  pdfServer.close()
})

const fileEvent = (events: SseMessage[]) => events.map((m) => m.data).find((e): e is StreamEventOf<'output_file'> => e.event_type === 'output_file')

async function csvAgent(options: { api_response_mode?: 'streaming' | 'non_streaming' } = {}) {
  return host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'create_file' }] }, options)
}

describe('output files from the create_file tool', () => {
  it('stores the file, announces it, and serves it under its session only', async () => {
    const agent = await csvAgent()
    const events = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Make me a CSV file', session_id: 'files-a' }))
    const file = fileEvent(events)
    expect(file).toMatchObject({ filename: 'demo.csv', content_type: 'text/csv' })
    expect(file!.download_url).toBe(`/api/v1/published/${agent.id}/sessions/files-a/files/${file!.file_id}`)
    // The model was told in words that the visitor got it.
    const result = events.map((m) => m.data).find((e) => e.event_type === 'tool_result')
    expect(result).toMatchObject({ tool_name: 'create_file', is_error: false })
    expect((result as StreamEventOf<'tool_result'>).tool_result).toContain('handed to the visitor')

    const download = await host.get(file!.download_url)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="demo.csv"; filename*=UTF-8''demo.csv`)
    expect(download.headers.get('x-content-type-options')).toBe('nosniff')
    expect(download.headers.get('content-security-policy')).toContain('sandbox')
    const body = await download.text()
    expect(body).toContain('question,answered_by')
    expect(body).toContain('Make me a CSV file')
    expect(file!.size).toBe(Buffer.byteLength(body))

    // Another session of the same agent, another agent, an unknown or malformed id: 404.
    const other = await csvAgent()
    for (const path of [
      `/api/v1/published/${agent.id}/sessions/files-b/files/${file!.file_id}`,
      `/api/v1/published/${other.id}/sessions/files-a/files/${file!.file_id}`,
      `/api/v1/published/${agent.id}/sessions/files-a/files/00000000-0000-4000-8000-000000000000`,
      `/api/v1/published/${agent.id}/sessions/files-a/files/not-a-uuid`,
    ]) {
      expect((await host.get(path)).status, path).toBe(404)
    }
  })

  it('keeps the file in the session history with its download URL, and out of what the model reads', async () => {
    const agent = await csvAgent()
    await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'An export file please', session_id: 'files-history' }))
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/files-history`)).json()
    const blocks = history.messages.flatMap((m: any) => m.content)
    const block = blocks.find((b: any) => b.type === 'output_file')
    expect(block).toMatchObject({ filename: 'demo.csv', content_type: 'text/csv' })
    expect(block.download_url).toBe(`/api/v1/published/${agent.id}/sessions/files-history/files/${block.file_id}`)
    expect((await host.get(block.download_url)).status).toBe(200)
    // The next turn still works: the model is never sent a Porch-only block.
    const next = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Thanks!', session_id: 'files-history' }))
    expect(next.at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })
  })

  it('works in sync mode too: the reply stays as it was, the file is in the history', async () => {
    const agent = await csvAgent({ api_response_mode: 'non_streaming' })
    const reply = await (await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'CSV file please', session_id: 'files-sync' })).json()
    expect(reply.success).toBe(true)
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/files-sync`)).json()
    const block = history.messages.flatMap((m: any) => m.content).find((b: any) => b.type === 'output_file')
    expect((await host.get(block.download_url)).status).toBe(200)
  })

  it('serves a link session’s file without the visitor token (the URL is the credential), but only under that link', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'create_file' }] }, { access: 'link' })
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Locked', password: 'open sesame' })).body
    const other = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Other' })).body
    const { token } = await (await host.post(`/api/v1/links/${link.token}/unlock`, { password: 'open sesame' })).json()
    const events = await readSse(
      await host.post(`/api/v1/links/${link.token}/chat`, { request: 'a file', session_id: 'link-files' }, { authorization: `Bearer ${token}` }),
    )
    const file = fileEvent(events)!
    expect(file.download_url).toBe(`/api/v1/links/${link.token}/sessions/link-files/files/${file.file_id}`)
    expect((await host.get(file.download_url)).status).toBe(200)
    expect((await host.get(`/api/v1/links/${other.token}/sessions/link-files/files/${file.file_id}`)).status).toBe(404)
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/link-files/files/${file.file_id}`)).status).toBe(403)
  })
})

describe('output files from an HTTP tool', () => {
  it('turns a binary response into a file for the visitor and tells the model so', async () => {
    const agent = await host.owner.publishedAgent({
      model: 'openai:gpt-test',
      tools: [
        {
          type: 'http',
          name: 'invoice',
          description: 'The invoice of an order as a PDF.',
          url: pdfUrl,
          method: 'GET',
          headers: [],
          timeout_ms: 10_000,
          input_schema: { type: 'object', properties: { order: { type: 'string' } } },
        },
      ],
    })
    const before = model.requests.length
    const events = await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Send me the invoice', session_id: 'pdf' }))
    const file = fileEvent(events)
    expect(file).toMatchObject({ filename: 'invoice 4711.pdf', content_type: 'application/pdf', size: PDF.length })
    const download = await host.get(file!.download_url)
    expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true)
    expect(download.headers.get('content-disposition')).toContain(`filename*=UTF-8''invoice%204711.pdf`)
    // What the model read back is a sentence, not the bytes.
    const toolMessage = model.requests
      .slice(before)
      .at(-1)!
      .body.messages.find((m: any) => m.role === 'tool')
    expect(toolMessage.content).toContain('"invoice 4711.pdf" (application/pdf, 2016 bytes) was handed to the visitor')

    const db = new Database(host.dbPath, { readonly: true })
    const row = db.prepare('SELECT kind, size, trace_id FROM files WHERE id = ?').get(file!.file_id) as { kind: string; size: number; trace_id: string }
    db.close()
    expect(row).toMatchObject({ kind: 'output', size: PDF.length })
    expect(row.trace_id).toBe(events[0]!.data.event_type === 'run_started' ? events[0]!.data.trace_id : '')
  })
})
