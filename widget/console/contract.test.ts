/**
 * The console reads the owner API through the types of shared/console.ts and shared/owner.ts,
 * so those schemas must say exactly what the host sends: every reply the console reads is parsed
 * here with its schema, and its fields are compared with the schema's, so a field the host adds
 * (or drops) without the schema fails here rather than hiding in the console as `any`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { ADMIN_TOKEN, eventually, startTestHost, type TestHost } from '../../host/testing/harness.ts'
import {
  ConsoleSessionSchema,
  EmbedSnippetsSchema,
  IssuedApiKeySchema,
  IssuedLinkSchema,
  IssuedOwnerKeySchema,
  LinkSchema,
  ModelsReplySchema,
  SessionListSchema,
  SessionTranscriptSchema,
  TraceListSchema,
} from '../../shared/console.ts'
import {
  AgentSchema,
  AgentVersionSchema,
  KnowledgeChunkSchema,
  KnowledgeSearchReplySchema,
  KnowledgeSourceDetailSchema,
  KnowledgeSourceListSchema,
  KnowledgeSourceSchema,
  PublishReplySchema,
} from '../../shared/owner.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

type Shape = z.ZodObject<z.ZodRawShape>

/**
 * Parses `value` with `schema`, and checks it has exactly the schema's fields (and so on for the
 * first item of each listed array); an optional field the host leaves out when it has nothing
 * to say (a message's `sources`) may be absent, never unknown.
 */
function exactly(schema: Shape, value: unknown, nested: Record<string, Shape> = {}): void {
  expect(() => schema.parse(value)).not.toThrow()
  const object = value as Record<string, unknown>
  expect(Object.keys(object).sort(), 'fields the host sends').toEqual(fieldsOf(schema, object))
  for (const [field, itemSchema] of Object.entries(nested)) {
    const items = object[field] as Array<Record<string, unknown>>
    expect(items.length, `${field} has an item to check`).toBeGreaterThan(0)
    expect(Object.keys(items[0]!).sort(), `fields of ${field}[0]`).toEqual(fieldsOf(itemSchema, items[0]!))
  }
}

/** The schema's fields, less the optional ones `value` leaves out. */
const fieldsOf = (schema: Shape, value: Record<string, unknown>) =>
  Object.keys(schema.shape)
    .filter((key) => key in value || !(schema.shape[key] as z.ZodType).safeParse(undefined).success)
    .sort()

const item = (schema: z.ZodArray<Shape>) => schema.element

describe('the owner API answers what shared/console.ts and shared/owner.ts say', () => {
  it('for agents, versions, publishing, snippets, links, keys, owner keys, models and the console session', async () => {
    const { call } = host.owner
    const created = await call('POST', '/agents', { name: 'Contract', model: 'demo:instant' })
    exactly(AgentSchema, created.body)
    const id = created.body.id as string
    exactly(PublishReplySchema, (await call('POST', `/agents/${id}/publish`, {})).body)
    const versions = (await call('GET', `/agents/${id}/versions`)).body
    exactly(AgentVersionSchema, versions.versions[0])
    exactly(EmbedSnippetsSchema, (await call('GET', `/agents/${id}/embed`)).body)

    const link = (await call('POST', `/agents/${id}/links`, { name: 'Partner', password: 'secret' })).body
    exactly(IssuedLinkSchema, link)
    exactly(LinkSchema, (await call('GET', `/agents/${id}/links`)).body.links[0])
    exactly(IssuedApiKeySchema, (await call('POST', `/agents/${id}/keys`, { name: 'Server' })).body)
    exactly(IssuedOwnerKeySchema, (await call('POST', '/owner-keys', { name: 'Ops', role: 'viewer' })).body)
    exactly(ModelsReplySchema, (await call('GET', '/models')).body)

    const signIn = await host.post('/api/v1/console/session', { token: ADMIN_TOKEN })
    exactly(ConsoleSessionSchema, await signIn.json())
  })

  it('for knowledge sources, their chunks and the draft search', async () => {
    const { call } = host.owner
    const { id } = (await call('POST', '/agents', { name: 'Knowing', model: 'demo:instant' })).body
    const added = await call('POST', `/agents/${id}/knowledge/sources`, { kind: 'text', title: 'Hours', text: '# Hours\n\nOpen from nine to five.' })
    exactly(KnowledgeSourceSchema, added.body)
    const sourceId = added.body.id as string
    const detail = await eventually(async () => {
      const read = (await call('GET', `/agents/${id}/knowledge/sources/${sourceId}`)).body
      return read.status === 'ready' ? read : undefined
    })
    exactly(KnowledgeSourceDetailSchema, detail, { chunks: KnowledgeChunkSchema })
    exactly(KnowledgeSourceListSchema, (await call('GET', `/agents/${id}/knowledge/sources`)).body, { sources: KnowledgeSourceSchema })
    exactly(KnowledgeSearchReplySchema, (await call('GET', `/agents/${id}/knowledge/search?q=nine`)).body, {
      hits: item(KnowledgeSearchReplySchema.shape.hits),
    })
  })

  it('for sessions, transcripts and traces', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const stream = await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'Hello', session_id: 'contract-1' })
    await stream.text()

    const sessions = (await host.owner.call('GET', `/agents/${agent.id}/sessions`)).body
    exactly(SessionListSchema, sessions, { sessions: item(SessionListSchema.shape.sessions) })
    const transcript = (await host.owner.call('GET', `/agents/${agent.id}/sessions/contract-1`)).body
    exactly(SessionTranscriptSchema, transcript, {
      messages: item(SessionTranscriptSchema.shape.messages),
      traces: item(SessionTranscriptSchema.shape.traces),
    })
    exactly(TraceListSchema, (await host.owner.call('GET', `/traces?agent_id=${agent.id}`)).body, { traces: item(TraceListSchema.shape.traces) })
  })
})
