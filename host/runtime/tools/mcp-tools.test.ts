/**
 * MCP tools against a real MCP server (the SDK's own server side) on 127.0.0.1: discovery,
 * calls through the AI SDK tools, failures, secrets and the SSRF guard.
 */

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { ToolExecutionOptions, ToolSet } from 'ai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import type { McpToolOptions } from './mcp-client.ts'
import { discoverMcpTools, freezeMcpTools, keepFrozenMcpTools } from './mcp-discovery.ts'
import { McpServerSpecSchema, mcpToolEntries, mcpTools } from './mcp-tools.ts'
import type { OutputFile, OutputFileSink } from './output-files.ts'

const SECRET = 'mcp-secret-4b2e9a7c1d'
const decrypt = (sealed: string) => sealed.replace(/^sealed:/, '')
const open: McpToolOptions = { allowPrivate: true, decrypt }

const CHART = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])

let server: Server
let reportServer: Server
let reportUrl = ''
let url = ''
const seen: { method: string; headers: IncomingHttpHeaders }[] = []

function mcpServer(): McpServer {
  const mcp = new McpServer({ name: 'shop', version: '1.0.0' })
  mcp.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }))
  mcp.registerTool('fail', { description: 'Always fails' }, async () => ({ content: [{ type: 'text', text: 'the warehouse is closed' }], isError: true }))
  mcp.registerTool('chart', { description: 'Draws a chart' }, async () => ({
    content: [
      { type: 'text', text: 'Sales went up.' },
      { type: 'image', data: CHART.toString('base64'), mimeType: 'image/png' },
    ],
  }))
  mcp.registerTool('report', { description: 'Links a report' }, async () => ({
    content: [{ type: 'resource_link', uri: `${reportUrl}/reports/q3.pdf`, name: 'q3.pdf', mimeType: 'application/pdf' }],
  }))
  mcp.registerTool('whoami', { description: 'Echoes the Authorization header' }, async (extra) => ({
    content: [{ type: 'text', text: `you sent ${String(extra.requestInfo?.headers.authorization)}` }],
  }))
  return mcp
}

beforeAll(async () => {
  // Stateless: a fresh server and transport per request, as the SDK's examples do.
  server = createServer(async (req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers })
    const mcp = mcpServer()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => {
      void transport.close()
      void mcp.close()
    })
    await mcp.connect(transport)
    await transport.handleRequest(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`
  reportServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4 report'))
  await new Promise<void>((resolve) => reportServer.listen(0, '127.0.0.1', resolve))
  reportUrl = `http://127.0.0.1:${(reportServer.address() as AddressInfo).port}`
})
afterAll(() => {
  reportServer.close()
  server.closeAllConnections()
  server.close()
})

const spec = (extra: Record<string, unknown> = {}) =>
  McpServerSpecSchema.parse({ type: 'mcp', name: 'shop', url, headers: [{ name: 'Authorization', secret: `sealed:Bearer ${SECRET}` }], ...extra })

const call = (tools: ToolSet, name: string, input: unknown) => {
  const tool = tools[name]
  if (!tool?.execute) throw new Error(`no tool ${name}`)
  return tool.execute(input, { toolCallId: 'call_1', messages: [] } as ToolExecutionOptions)
}

async function frozenSpec(extra: Record<string, unknown> = {}) {
  const base = spec(extra)
  return { ...base, tools: await discoverMcpTools(base, open) }
}

describe('discovery', () => {
  it('lists the server’s tools with their descriptions and input schemas', async () => {
    const tools = await discoverMcpTools(spec(), open)
    expect(tools.map((tool) => tool.name)).toEqual(['add', 'fail', 'chart', 'report', 'whoami'])
    expect(tools[0]).toMatchObject({
      description: 'Adds two numbers',
      input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    })
    expect(tools[1]!.input_schema).toMatchObject({ type: 'object' })
    // The result is what a version stores: it must pass the wire schema.
    expect(() => McpServerSpecSchema.parse({ ...spec(), tools })).not.toThrow()
  })

  it('keeps only allowed_tools, and names those the server does not offer', async () => {
    expect((await discoverMcpTools(spec({ allowed_tools: ['add'] }), open)).map((tool) => tool.name)).toEqual(['add'])
    await expect(discoverMcpTools(spec({ allowed_tools: ['add', 'refund'] }), open)).rejects.toThrow(/does not offer: refund/)
  })

  it('never opens the stream for server-initiated messages (no GET)', async () => {
    seen.length = 0
    await discoverMcpTools(spec(), open)
    expect(seen.map((request) => request.method)).not.toContain('GET')
    expect(seen.length).toBeGreaterThan(0)
  })

  it('freezes every MCP server of a tool list and leaves other tools alone', async () => {
    const builtin = { type: 'builtin', name: 'current_time' }
    const frozen = await freezeMcpTools([builtin, spec()], (server) => discoverMcpTools(server, open))
    expect(frozen[0]).toBe(builtin)
    expect((frozen[1] as unknown as { tools: { name: string }[] }).tools.map((tool) => tool.name)).toEqual(['add', 'fail', 'chart', 'report', 'whoami'])

    const down = spec({ name: 'gone', url: 'http://127.0.0.1:1/mcp' })
    await expect(freezeMcpTools([down], (server) => discoverMcpTools(server, open))).rejects.toThrow(
      /^MCP server gone: cannot list its tools: .*connection refused/,
    )
  })
})

describe('calls', () => {
  it('offers the frozen tools as <server>__<tool> and returns the text result', async () => {
    const tools = mcpTools(await frozenSpec(), open)
    expect(Object.keys(tools)).toEqual(['shop__add', 'shop__fail', 'shop__chart', 'shop__report', 'shop__whoami'])
    expect(tools.shop__add!.description).toBe('Adds two numbers')
    expect(await call(tools, 'shop__add', { a: 2, b: 3 })).toBe('5')
  })

  it('hands an image in a result to the visitor as a file, and tells the model so', async () => {
    const saved: OutputFile[] = []
    const files: OutputFileSink = {
      save: async (file) => {
        saved.push(file)
        return { fileId: 'f1', filename: file.filename, contentType: file.contentType, size: file.data.byteLength }
      },
    }
    const result = await call(mcpTools(await frozenSpec(), { ...open, files }), 'shop__chart', {})
    expect(result).toBe(`Sales went up.\nThe file "image-2.png" (image/png, ${CHART.length} bytes) was handed to the visitor as a download.`)
    expect(saved).toHaveLength(1)
    expect(Buffer.from(saved[0]!.data).equals(CHART)).toBe(true)
    // Where a run cannot take files (no sink), the image is only named.
    expect(await call(mcpTools(await frozenSpec(), open), 'shop__chart', {})).toContain('(image content, not shown')
  })

  it('fetches a linked web resource through the network guard and hands it out as a file', async () => {
    const saved: OutputFile[] = []
    const files: OutputFileSink = {
      save: async (file) => {
        saved.push(file)
        return { fileId: 'f2', filename: file.filename, contentType: file.contentType, size: file.data.byteLength }
      },
    }
    expect(await call(mcpTools(await frozenSpec(), { ...open, files }), 'shop__report', {})).toBe(
      'The file "q3.pdf" (application/pdf, 15 bytes) was handed to the visitor as a download.',
    )
    expect(Buffer.from(saved[0]!.data).toString()).toBe('%PDF-1.4 report')
    // Where private addresses are refused, the link is not fetched and the model is told why.
    const mcpPort = Number(new URL(url).port)
    const guarded = mcpTools(await frozenSpec(), { ...open, files, allowPrivate: (target) => target.port === mcpPort })
    expect(await call(guarded, 'shop__report', {})).toMatch(/^\(a file could not be handed out: refused/)
    expect(saved).toHaveLength(1)
  })

  it('uses the frozen list, never the live one', async () => {
    const tools = mcpTools({ ...spec(), tools: [{ name: 'add', description: 'frozen', input_schema: { type: 'object' } }] }, open)
    expect(Object.keys(tools)).toEqual(['shop__add'])
    expect(Object.keys(mcpTools(spec(), open))).toEqual([])
  })

  it('throws the server’s message when the result is an error', async () => {
    const tools = mcpTools(await frozenSpec(), open)
    await expect(call(tools, 'shop__fail', {})).rejects.toThrow('the warehouse is closed')
  })

  it('throws the server’s complaint about bad arguments', async () => {
    const tools = mcpTools(await frozenSpec(), open)
    await expect(call(tools, 'shop__add', { a: 'two' })).rejects.toThrow(/Input validation error.*expected number/)
    await expect(call(tools, 'shop__add', [1, 2])).rejects.toThrow(/expected an object/)
  })

  it('says clearly when the server is down', async () => {
    const frozen = await frozenSpec()
    const tools = mcpTools({ ...frozen, url: 'http://127.0.0.1:1/mcp' }, open)
    await expect(call(tools, 'shop__add', { a: 1, b: 1 })).rejects.toThrow('request to 127.0.0.1:1 failed: connection refused')
  })

  it('sends the secret header to the server and scrubs it from what comes back', async () => {
    const tools = mcpTools(await frozenSpec(), open)
    seen.length = 0
    const result = await call(tools, 'shop__whoami', {})
    expect(seen.length).toBeGreaterThan(0)
    for (const request of seen) expect(request.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(result).toBe('you sent [secret]')
  })

  it('refuses a loopback server unless private addresses are allowed, before any request', async () => {
    const frozen = await frozenSpec()
    seen.length = 0
    const closed = { allowPrivate: false, decrypt }
    await expect(discoverMcpTools(spec(), closed)).rejects.toThrow(/refused: 127\.0\.0\.1 is .*loopback/)
    await expect(call(mcpTools(frozen, closed), 'shop__add', { a: 1, b: 1 })).rejects.toThrow(/refused: 127\.0\.0\.1 is .*loopback/)
    expect(seen).toEqual([])
  })

  it('caps a long result', async () => {
    const tools = mcpTools(await frozenSpec(), { ...open, maxResultBytes: 10 })
    expect(await call(tools, 'shop__whoami', {})).toMatch(/^you sent \[\n\n\[cut: the result was longer than 10 bytes\]$/)
  })

  it('times out a server that does not answer', async () => {
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as AddressInfo).port
      const tools = mcpTools({ ...(await frozenSpec()), url: `http://127.0.0.1:${port}/mcp` }, { ...open, timeoutCapMs: 200 })
      await expect(call(tools, 'shop__add', { a: 1, b: 1 })).rejects.toThrow(`127.0.0.1:${port} did not answer within 0.2 s`)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })
})

describe('a stateful server', () => {
  it('is called within a session, and the session is ended afterwards', async () => {
    const sessions = new Map<string, StreamableHTTPServerTransport>()
    const methods: string[] = []
    const stateful = createServer(async (req, res) => {
      methods.push(req.method ?? '')
      const id = req.headers['mcp-session-id']
      let transport = typeof id === 'string' ? sessions.get(id) : undefined
      if (!transport) {
        const fresh: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sessionId) => void sessions.set(sessionId, fresh),
          onsessionclosed: (sessionId) => void sessions.delete(sessionId),
        })
        await mcpServer().connect(fresh)
        transport = fresh
      }
      await transport.handleRequest(req, res)
    })
    await new Promise<void>((resolve) => stateful.listen(0, '127.0.0.1', resolve))
    try {
      const statefulUrl = `http://127.0.0.1:${(stateful.address() as AddressInfo).port}/mcp`
      const tools = mcpTools({ ...(await frozenSpec()), url: statefulUrl }, open)
      expect(await call(tools, 'shop__add', { a: 40, b: 2 })).toBe('42')
      await vi.waitFor(() => expect(methods).toContain('DELETE'))
      await vi.waitFor(() => expect(sessions.size).toBe(0))
      expect(methods).not.toContain('GET')
    } finally {
      stateful.closeAllConnections()
      stateful.close()
    }
  })
})

describe('names and drafts', () => {
  it('sanitises, shortens and de-duplicates the names the model sees', () => {
    const tool = (name: string) => ({ name, description: '', input_schema: { type: 'object' } })
    const long = 'x'.repeat(80)
    const entries = mcpToolEntries({ ...spec(), tools: [tool('get.order'), tool('get_order'), tool(long), tool(`${long}y`)] })
    expect(entries.map((entry) => entry.exposedName)).toEqual(['shop__get_order', 'shop__get_order_2', `shop__${'x'.repeat(58)}`, `shop__${'x'.repeat(56)}_2`])
    for (const { exposedName } of entries) expect(exposedName).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
  })

  it('keeps the frozen list across draft edits, never the owner’s, and drops it when the URL changes', () => {
    const frozen = [{ name: 'add', description: '', input_schema: { type: 'object' } }]
    const previous = [{ ...spec(), tools: frozen }]
    const typed = [{ name: 'evil', description: '', input_schema: { type: 'object' } }]
    expect(keepFrozenMcpTools([{ ...spec(), tools: typed }], previous)[0]!.tools).toEqual(frozen)
    expect(keepFrozenMcpTools([spec()], previous)[0]!.tools).toEqual(frozen)
    expect(keepFrozenMcpTools([{ ...spec(), url: 'https://elsewhere.example/mcp', tools: typed }], previous)[0]).not.toHaveProperty('tools')
  })

  it('refuses protocol headers and bad names in the spec', () => {
    expect(McpServerSpecSchema.safeParse({ type: 'mcp', name: 'shop', url, headers: [{ name: 'Mcp-Session-Id', value: 'x' }] }).success).toBe(false)
    expect(McpServerSpecSchema.safeParse({ type: 'mcp', name: 'a'.repeat(41), url }).success).toBe(false)
    expect(McpServerSpecSchema.safeParse({ type: 'mcp', name: 'shop', url: 'ftp://example.com/' }).success).toBe(false)
  })
})
