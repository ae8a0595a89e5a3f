/**
 * The OpenAPI document against the running host: it describes every route `app.routes` holds
 * (and nothing the host does not serve), it passes a standard OpenAPI 3.1 validator, and real
 * replies fit the schemas it gives them.
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../testing/harness.ts'

/**
 * What the document leaves out, on purpose: middleware (`app.use` registers it as ALL), CORS
 * preflights (OPTIONS), and the console's client-side routes, which answer the `/console` page.
 */
const UNDESCRIBED = (method: string, path: string) => method === 'ALL' || method === 'OPTIONS' || path === '/console/*'

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }

let host: TestHost
let document: Document

beforeAll(async () => {
  host = await startTestHost()
  const response = await host.get('/openapi.json')
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  document = (await response.json()) as Document
})
afterAll(() => host?.stop())

const served = () =>
  new Set(host.app.routes.filter((route) => !UNDESCRIBED(route.method, route.path)).map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`))
const described = () => new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)))

describe('the OpenAPI document', () => {
  it('describes every route the host serves', () => {
    const missing = [...served()].filter((route) => !described().has(route))
    expect(missing, 'routes in app.routes that host/openapi/ does not describe').toEqual([])
  })

  it('describes no route the host does not serve', () => {
    const stale = [...described()].filter((route) => !served().has(route))
    expect(stale, 'routes described in host/openapi/ that app.routes does not hold').toEqual([])
  })

  it('passes the OpenAPI 3.1 schema validator', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(document) as never)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('fails the validator when broken, so the check above can fail', async () => {
    const broken = structuredClone(document)
    const operation = broken.paths['/api/v1/agents']!.post!
    ;(operation as { responses: unknown }).responses = 'none'
    expect((await new Validator().validate(broken as never)).valid).toBe(false)
  })

  it('is the same document under /api/v1/openapi.json', async () => {
    expect(await (await host.get('/api/v1/openapi.json')).json()).toEqual(document)
  })

  it('gives the shared schemas as components and the stream its event union', () => {
    const chat = document.paths['/api/v1/published/{id}/chat']!.post!
    expect(chat.responses['200']!.content!['text/event-stream']!.schema).toMatchObject({ $ref: '#/components/schemas/StreamEvent' })
    const events = document.components.schemas.StreamEvent as { anyOf?: unknown[]; oneOf?: unknown[] }
    expect((events.oneOf ?? events.anyOf ?? []).length).toBeGreaterThan(3)
    expect(chat.responses['404']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ErrorBody' })
  })

  it('fits real replies: an agent, a publish, a published agent, a Langdock agent, OpenAI and Auto Agents replies, and error bodies', async () => {
    const ajv = new Ajv2020({ strict: false })
    addFormats.default(ajv)
    ajv.addSchema({ $id: 'porch', components: document.components }, 'porch')
    const replyOf = (path: string, method: string, status: number) => {
      const schema = document.paths[path]![method]!.responses[String(status)]!.content!['application/json']!.schema as Record<string, unknown>
      return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"porch#/components/')))
    }
    const expectFits = (validate: ReturnType<typeof replyOf>, body: unknown) => {
      validate(body)
      expect(validate.errors ?? []).toEqual([])
    }

    const created = await host.post('/api/v1/agents', { name: 'Documented', model: 'demo' }, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(created.status).toBe(201)
    const agent = (await created.json()) as { id: string }
    expectFits(replyOf('/api/v1/agents', 'post', 201), agent)

    const published = await host.post(`/api/v1/agents/${agent.id}/publish`, {}, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(published.status).toBe(200)
    expectFits(replyOf('/api/v1/agents/{id}/publish', 'post', 200), await published.json())
    expectFits(replyOf('/api/v1/published/{id}', 'get', 200), await (await host.get(`/api/v1/published/${agent.id}`)).json())

    const langdock = await host.get(`/agent/v1/get?agentId=${agent.id}`, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(langdock.status).toBe(200)
    expectFits(replyOf('/agent/v1/get', 'get', 200), await langdock.json())

    const key = (await (await host.post(`/api/v1/agents/${agent.id}/keys`, { name: 'docs' }, { authorization: `Bearer ${ADMIN_TOKEN}` })).json()) as {
      key: string
    }
    const asKey = { authorization: `Bearer ${key.key}` }
    expectFits(replyOf('/v1/models', 'get', 200), await (await host.get('/v1/models', asKey)).json())
    const completion = await host.post('/v1/chat/completions', { model: agent.id, messages: [{ role: 'user', content: 'Hello' }] }, asKey)
    expect(completion.status).toBe(200)
    expectFits(replyOf('/v1/chat/completions', 'post', 200), await completion.json())
    const autoAgents = await host.post('/openapi/agents/chat/completions/v1', { agentId: agent.id, userChatInput: 'Hello' }, asKey)
    expect(autoAgents.status).toBe(200)
    expectFits(replyOf('/openapi/agents/chat/completions/v1', 'post', 200), await autoAgents.json())
    const message = { id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] }
    const uiChat = await host.post('/agent/v1/chat/completions', { agentId: agent.id, messages: [message] }, asKey)
    expect(uiChat.status).toBe(200)
    expectFits(replyOf('/agent/v1/chat/completions', 'post', 200), await uiChat.json())
    const wrongKey = await host.get('/v1/models', { authorization: 'Bearer key_nothing.wrong' })
    expect(wrongKey.status).toBe(401)
    expectFits(replyOf('/v1/models', 'get', 401), await wrongKey.json())

    const refused = await host.post(`/api/v1/published/${agent.id}/chat`, { nothing: true })
    expect(refused.status).toBe(400)
    const validate = replyOf('/api/v1/published/{id}/chat', 'post', 400)
    expectFits(validate, await refused.json())
    expect(validate({ message: 'not an error body' })).toBe(false)
  })
})
