/**
 * MCP through the whole host: publishing lists the server's tools and freezes them into the
 * version; a run calls them; a server that cannot be reached stops the publish with a 400.
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

let mcpHttp: Server
let mcpUrl = ''
let model: FakeProvider
let host: TestHost
/** What the MCP server saw of a forwarded user (signed visitor identity), checked with `identitySecret`. */
const forwarded: { user: string | undefined; verified: boolean }[] = []
let identitySecret = ''

beforeAll(async () => {
  mcpHttp = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const user = req.headers['x-porch-user-id'] as string | undefined
    const expected = `v1=${createHmac('sha256', identitySecret)
      .update(`${req.headers['x-porch-timestamp']}.${user}.${createHash('sha256').update(raw).digest('hex')}`)
      .digest('hex')}`
    const given = String(req.headers['x-porch-signature'] ?? '')
    forwarded.push({ user, verified: given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected)) })
    const mcp = new McpServer({ name: 'shop', version: '1.0.0' })
    mcp.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
    }))
    mcp.registerTool('fail', { description: 'Always fails' }, async () => ({ content: [{ type: 'text', text: 'the warehouse is closed' }], isError: true }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => void transport.close())
    await mcp.connect(transport)
    await transport.handleRequest(req, res, raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined)
  })
  await new Promise<void>((resolve) => mcpHttp.listen(0, '127.0.0.1', resolve))
  mcpUrl = `http://127.0.0.1:${(mcpHttp.address() as AddressInfo).port}/mcp`
  model = await startFakeOpenAI((request) => {
    const asked = JSON.stringify(request.body.messages)
    if (request.body.messages.at(-1)?.role === 'tool') return { text: ['Done.'] }
    return { toolCalls: [asked.includes('fail') ? { id: 'c2', name: 'shop__fail', input: {} } : { id: 'c1', name: 'shop__add', input: { a: 2, b: 3 } }] }
  })
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test', PORCH_TOOLS_ALLOW_PRIVATE: '1' })
})
afterAll(async () => {
  await host.stop()
  await model.close()
  mcpHttp.closeAllConnections()
  mcpHttp.close()
})

it('freezes the server’s tools at publish and calls them in runs, errors as is_error results', async () => {
  const agent = await host.owner.createAgent({ name: 'MCP agent', model: 'openai:gpt-test', tools: [{ type: 'mcp', name: 'shop', url: mcpUrl }] as never })
  const published = await host.owner.call('POST', `/agents/${agent.id}/publish`)
  expect(published.status).toBe(200)
  const [version] = (await host.owner.call('GET', `/agents/${agent.id}/versions`)).body.versions
  expect(version.config.tools[0].tools.map((t: { name: string }) => t.name).sort()).toEqual(['add', 'fail'])

  const chat = async (request: string) => (await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request }))).map((m) => m.data)
  const added = (await chat('add two and three')).find((e) => e.event_type === 'tool_result')
  expect(added).toMatchObject({ tool_name: 'shop__add', tool_result: '5', is_error: false })
  const failed = (await chat('please fail')).find((e) => e.event_type === 'tool_result')
  expect(failed).toMatchObject({ tool_name: 'shop__fail', is_error: true })
  expect(failed?.event_type === 'tool_result' && failed.tool_result).toContain('the warehouse is closed')

  expect((await host.owner.call('POST', `/agents/${agent.id}/publish`)).status).toBe(409) // same tools: nothing new
})

it('forwards the verified user with a signature on every request of a run when the server opts in, and nothing for anonymous visitors', async () => {
  const tools = [{ type: 'mcp', name: 'shop', url: mcpUrl, forward_user: true }]
  const agent = await host.owner.publishedAgent({ name: 'Forwarding MCP', model: 'openai:gpt-test', tools: tools as never })
  identitySecret = (await host.owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'grace', exp: Math.floor(Date.now() / 1000) + 60 })}`
  const token = `${data}.${createHmac('sha256', identitySecret).update(data).digest('base64url')}`

  forwarded.length = 0
  await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'add two and three' }, { 'X-Porch-User-Token': token }))
  // initialize, initialized, tools/call (and the session's end): each one signed over its own body.
  expect(forwarded.length).toBeGreaterThanOrEqual(3)
  expect(forwarded.every((seen) => seen.user === 'grace' && seen.verified)).toBe(true)

  forwarded.length = 0
  await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'add two and three' }))
  expect(forwarded.length).toBeGreaterThanOrEqual(3)
  expect(forwarded.every((seen) => seen.user === undefined)).toBe(true)
})

it('does not publish when the MCP server cannot be reached', async () => {
  const agent = await host.owner.createAgent({
    name: 'Broken MCP',
    model: 'openai:gpt-test',
    tools: [{ type: 'mcp', name: 'gone', url: 'http://127.0.0.1:9/mcp' }] as never,
  })
  const published = await host.owner.call('POST', `/agents/${agent.id}/publish`)
  expect(published.status).toBe(400)
  expect(published.body.error.code).toBe('mcp_unavailable')
  expect(published.body.error.message).toContain('gone')
})
