/**
 * HTTP tools through the whole host: an owner defines a tool with a secret header, the model
 * (a fake OpenAI server) calls it, the host calls a tool server on 127.0.0.1 with the secret,
 * and the visitor sees the result. The secret is sealed at rest and never shown back.
 */

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
// SQLite-only on purpose: it dumps the raw rows to prove the secret is sealed at rest, which the Store interface cannot show.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

const SECRET = 'tool-secret-6f1c2d9e8b7a'

let toolServer: Server
let toolUrl = ''
const toolRequests: { url: string; headers: IncomingHttpHeaders }[] = []
let model: FakeProvider
let host: TestHost

beforeAll(async () => {
  toolServer = createServer((req, res) => {
    toolRequests.push({ url: req.url ?? '', headers: req.headers })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ order: '4711', status: 'shipped' }))
  })
  await new Promise<void>((resolve) => toolServer.listen(0, '127.0.0.1', resolve))
  toolUrl = `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}/orders`
  model = await startFakeOpenAI((_, index) =>
    index % 2 === 0 ? { toolCalls: [{ id: `call_${index}`, name: 'order_status', input: { order: '4711' } }] } : { text: ['Your order has shipped.'] },
  )
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test', PORCH_TOOLS_ALLOW_PRIVATE: '1' })
})
afterAll(async () => {
  await host.stop()
  await model.close()
  toolServer.close()
})

const orderTool = () => ({
  type: 'http',
  name: 'order_status',
  description: 'Looks up an order',
  input_schema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
  url: toolUrl,
  method: 'GET',
  headers: [
    { name: 'X-Shop', value: 'demo' },
    { name: 'Authorization', secret: `Bearer ${SECRET}` },
  ],
})

describe('an HTTP tool', () => {
  it('is called with the model’s arguments and the secret header, and its result reaches the visitor', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', tools: [orderTool()] as never })
    const events = (await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Where is order 4711?' }))).map((m) => m.data)

    expect(toolRequests.at(-1)!.url).toBe('/orders?order=4711')
    expect(toolRequests.at(-1)!.headers).toMatchObject({ authorization: `Bearer ${SECRET}`, 'x-shop': 'demo' })
    const result = events.find((e) => e.event_type === 'tool_result')
    expect(result).toMatchObject({ tool_name: 'order_status', is_error: false, tool_input: { order: '4711' } })
    expect(result?.event_type === 'tool_result' && result.tool_result).toContain('"status":"shipped"')
    expect(events.find((e) => e.event_type === 'complete')).toMatchObject({ success: true, answer: 'Your order has shipped.' })

    const [trace] = (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body.traces
    expect(trace.tool_calls).toEqual([expect.objectContaining({ tool_name: 'order_status', is_error: false })])
    expect(trace.tool_calls[0].duration_ms).toBeGreaterThanOrEqual(0)
  })

  it('never shows or stores the secret in clear, and `********` keeps it', async () => {
    const created = await host.owner.createAgent({ name: 'Secretive', model: 'openai:gpt-test', tools: [orderTool()] as never })
    const shown = JSON.stringify(await host.owner.call('GET', `/agents/${created.id}`))
    expect(shown).not.toContain(SECRET)
    expect(shown).not.toContain('enc:v1:')
    expect(created.tools[0]).toMatchObject({
      headers: [
        { name: 'X-Shop', value: 'demo' },
        { name: 'Authorization', secret: '********' },
      ],
    })

    await host.owner.publish(created.id)
    const roundTrip = await host.owner.call('PATCH', `/agents/${created.id}`, { tools: created.tools })
    expect(roundTrip.status).toBe(200)
    expect(roundTrip.body.has_unpublished_changes).toBe(false) // the stored secret was kept as it was

    const versions = JSON.stringify((await host.owner.call('GET', `/agents/${created.id}/versions`)).body)
    expect(versions).not.toContain(SECRET)
    expect(versions).not.toContain('enc:v1:')

    const db = new Database(host.dbPath, { readonly: true })
    try {
      const dump = JSON.stringify([db.prepare('SELECT * FROM agents').all(), db.prepare('SELECT * FROM agent_versions').all()])
      expect(dump).not.toContain(SECRET)
      expect(dump).toContain('enc:v1:')
    } finally {
      db.close()
    }

    const fresh = await host.owner.call('POST', '/agents', {
      name: 'No secret yet',
      tools: [{ ...orderTool(), headers: [{ name: 'Authorization', secret: '********' }] }],
    })
    expect(fresh.status).toBe(400)
  })

  it('refuses `********` from an editor who moves the tool (or an MCP server) to another origin, and keeps the draft as it was', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', tools: [orderTool()] as never })
    const editor = (await host.owner.call('POST', '/owner-keys', { name: 'hostile editor', role: 'editor' })).body.key as string
    const patch = (tools: unknown) =>
      fetch(`${host.url}/api/v1/agents/${agent.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tools }),
      })
    const { port } = new URL(toolUrl)
    const elsewhere = `http://127.0.0.1:${Number(port) + 1}/collect`

    const moved = await patch(agent.tools.map((tool) => ({ ...tool, url: elsewhere })))
    expect(moved.status).toBe(400)
    expect((await moved.json()).error.message).toMatch(
      /order_status, header Authorization: the tool now sends to http:\/\/127\.0\.0\.1:\d+; type the secret again/,
    )
    const after = await host.owner.call('GET', `/agents/${agent.id}`)
    expect(after.body.tools[0].url).toBe(toolUrl)
    expect(after.body.has_unpublished_changes).toBe(false)

    // Moving an MCP server that carries a secret is refused the same way.
    const mcp = { type: 'mcp', name: 'shop', url: `${new URL(toolUrl).origin}/mcp`, headers: [{ name: 'Authorization', secret: `Bearer ${SECRET}` }] }
    expect((await host.owner.call('PATCH', `/agents/${agent.id}`, { tools: [mcp] })).status).toBe(200)
    expect((await patch([{ ...mcp, url: `${elsewhere}/mcp`, headers: [{ name: 'Authorization', secret: '********' }] }])).status).toBe(400)

    // A path on the same origin keeps the secret, and the secret typed again may go anywhere.
    expect((await patch([{ ...mcp, url: `${new URL(toolUrl).origin}/v2/mcp`, headers: [{ name: 'Authorization', secret: '********' }] }])).status).toBe(200)
    expect((await patch([{ ...mcp, url: `${elsewhere}/mcp`, headers: [{ name: 'Authorization', secret: 'Bearer typed-again' }] }])).status).toBe(200)
  })

  it('refuses duplicate tool names and a bad input schema', async () => {
    const twice = await host.owner.call('POST', '/agents', { name: 'Twice', tools: [orderTool(), orderTool()] })
    expect(twice.status).toBe(400)
    const badSchema = await host.owner.call('POST', '/agents', { name: 'Bad', tools: [{ ...orderTool(), input_schema: { type: 'string' } }] })
    expect(badSchema.status).toBe(400)
  })
})

describe('a host that does not allow private addresses', () => {
  it('refuses a tool call to 127.0.0.1, as a tool error the model sees', async () => {
    const closed = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
    try {
      const before = toolRequests.length
      const agent = await closed.owner.publishedAgent({ model: 'openai:gpt-test', tools: [orderTool()] as never })
      const events = (await readSse(await closed.post(`/api/v1/published/${agent.id}/chat`, { request: 'Where is order 4711?' }))).map((m) => m.data)
      const result = events.find((e) => e.event_type === 'tool_result')
      expect(result).toMatchObject({ is_error: true })
      expect(result?.event_type === 'tool_result' && result.tool_result).toMatch(/refused: .*loopback/)
      expect(toolRequests.length).toBe(before)
    } finally {
      await closed.stop()
    }
  })
})
