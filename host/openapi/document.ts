/**
 * Builds the OpenAPI 3.1 document from the route groups: every schema in it comes from a zod
 * schema through `z.toJSONSchema` (JSON Schema 2020-12, OpenAPI 3.1's own dialect). The shared
 * wire schemas (shared/index.ts) become named components; the rest are inlined where used.
 */
import { z } from 'zod'
import * as consoleSchemas from '../../shared/console.ts'
import { CONSOLE } from '../../shared/console.ts'
import * as shared from '../../shared/index.ts'
import { WIDGET_VERSION } from '../widget-assets.ts'
import { compatRoutes } from './compat.ts'
import { consoleRoutes } from './console.ts'
import { ownerRoutes } from './owner.ts'
import { pageRoutes } from './pages.ts'
import { publicRoutes } from './public.ts'
import { type Auth, type Body, isRaw, type RouteSpec } from './route-spec.ts'

/** Every route the host serves, as the document describes it. */
export const ROUTES: RouteSpec[] = [...publicRoutes, ...ownerRoutes, ...consoleRoutes, ...compatRoutes, ...pageRoutes]

type Json = Record<string, unknown>
type Io = 'input' | 'output'

const SECURITY_SCHEMES = {
  ownerBearer: { type: 'http', scheme: 'bearer', description: 'The admin token, or an owner key (`own_….SECRET`).' },
  consoleCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: CONSOLE.cookie,
    description: `The console's sign-in cookie (POST /api/v1/console/session). Requests other than GET/HEAD also send the CSRF token as \`${CONSOLE.csrfHeader}\`.`,
  },
  chatKey: { type: 'http', scheme: 'bearer', description: 'A chat API key of the agent (`key_….SECRET`), for servers.' },
  visitorToken: { type: 'http', scheme: 'bearer', description: 'The visitor token a password link answers on unlock.' },
}

const SCHEME_OF: Record<Exclude<Auth, 'none'>, keyof typeof SECURITY_SCHEMES> = {
  owner: 'ownerBearer',
  console: 'consoleCookie',
  chatKey: 'chatKey',
  compatKey: 'chatKey',
  visitor: 'visitorToken',
}

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed or invalid (`bad_request`, `invalid_request`, `invalid_json`, `wrong_mode`, …).',
  401: 'No credential, or a wrong one.',
  403: 'The credential may not do this (or a browser origin is refused).',
  404: 'No such thing, or not reachable with this credential.',
  409: 'A conflict (a `request_id` reused with another body, a draft that changed, an import running).',
  410: 'Gone (an expired link).',
  413: 'The body is too large.',
  415: 'The content type is not accepted.',
  429: 'Rate limited or out of quota (`Retry-After` says when to come back).',
  502: 'The model or a tool failed.',
}

/** The shared schemas by identity, so a route naming one refers to its component (the first name wins: TryRequest is ChatRequest). */
const SHARED_NAMES = new Map<unknown, string>()
for (const [name, value] of [...Object.entries(shared), ...Object.entries(consoleSchemas)])
  if (name.endsWith('Schema') && value instanceof z.ZodType && !SHARED_NAMES.has(value)) SHARED_NAMES.set(value, name.slice(0, -'Schema'.length))

function jsonSchema(schema: z.ZodType, io: Io): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json
  return rest
}

export function buildDocument(routes: RouteSpec[] = ROUTES): Json {
  const components: Record<string, Json> = {}
  const ioOf = new Map<string, Io>()

  /** A component for a shared schema (by its name, `…Input` when only its input shape differs), inline otherwise. */
  function schemaRef(schema: z.ZodType, io: Io): Json {
    const name = SHARED_NAMES.get(schema)
    if (!name) return jsonSchema(schema, io)
    const key = ioOf.has(name) && ioOf.get(name) !== io ? `${name}Input` : name
    if (!ioOf.has(name)) ioOf.set(name, io)
    components[key] ??= jsonSchema(schema, io)
    return { $ref: `#/components/schemas/${key}` }
  }

  function content(body: Body | z.ZodType[], io: Io): Json {
    if (Array.isArray(body)) return { 'application/json': { schema: { oneOf: body.map((one) => schemaRef(one, io)) } } }
    if (!isRaw(body)) return { 'application/json': { schema: schemaRef(body, io) } }
    if ('html' in body) return { 'text/html': { schema: { type: 'string' } } }
    if ('jsonl' in body)
      return {
        'application/x-ndjson': { schema: { ...schemaRef(body.jsonl, 'output'), description: 'One JSON value of this schema per line.' } },
        'text/csv': { schema: { type: 'string', description: body.csv } },
      }
    if ('binary' in body) return { [io === 'input' ? '*/*' : 'application/octet-stream']: { schema: { description: body.binary } } }
    if (body.sse === 'stream-events')
      return {
        'text/event-stream': {
          schema: {
            ...schemaRef(shared.StreamEventSchema, 'output'),
            description: 'Each SSE `data:` line is one StreamEvent as JSON; `id:` is its sequence number.',
          },
        },
      }
    if (body.sse === 'session-events')
      return {
        'text/event-stream': {
          schema: {
            ...schemaRef(shared.SessionEventSchema, 'output'),
            description:
              'Each SSE `data:` line is one SessionEvent as JSON, `event:` its `event_type`; `id:` is its number in the session (resume with `Last-Event-ID`). A `: ping` comment every heartbeat; the stream stays open.',
          },
        },
      }
    if (body.sse === 'ui-message-stream')
      return {
        'text/event-stream': {
          schema: {
            type: 'string',
            description:
              "The Vercel AI SDK's UI message stream (header `x-vercel-ai-ui-message-stream: v1`): `data:` JSON chunks (`start`, `text-delta`, `tool-…`, `finish`, …) ending with `data: [DONE]`.",
          },
        },
      }
    return { 'text/event-stream': { schema: { type: 'string', description: body.description } } }
  }

  function operation(route: RouteSpec): Json {
    const parameters: Json[] = []
    for (const [name, schema] of Object.entries(route.params ?? {})) parameters.push({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input') })
    if (route.query) {
      const query = jsonSchema(route.query, 'input') as { properties?: Record<string, Json>; required?: string[] }
      for (const [name, schema] of Object.entries(query.properties ?? {}))
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema })
    }
    for (const [name, description] of Object.entries(route.headers ?? {}))
      parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } })

    const responses: Json = {}
    for (const [status, reply] of Object.entries(route.replies))
      responses[status] = {
        description: reply.description,
        ...(reply.body && { content: { ...content(reply.body, 'output'), ...(reply.stream && content(reply.stream, 'output')) } }),
      }
    const errorBody = route.errorBody ? jsonSchema(route.errorBody, 'output') : schemaRef(shared.ErrorBodySchema, 'output')
    for (const status of route.errors ?? [])
      responses[status] ??= { description: STATUS_TEXT[status] ?? 'An error.', content: { 'application/json': { schema: errorBody } } }

    return {
      operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase())}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description && { description: route.description }),
      security: route.auth.map((auth) => (auth === 'none' ? {} : { [SCHEME_OF[auth]]: [] })),
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && { requestBody: { required: !route.bodyOptional, content: content(route.body, 'input') } }),
      responses,
    }
  }

  const paths: Record<string, Json> = {}
  for (const route of routes) {
    paths[route.path] ??= {}
    if (paths[route.path]![route.method]) throw new Error(`The OpenAPI routes describe ${route.method.toUpperCase()} ${route.path} twice.`)
    paths[route.path]![route.method] = operation(route)
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Porch',
      version: WIDGET_VERSION,
      description:
        'Publish an AI agent on any website. Error bodies are `{error: {code, message, details?}}` (`code` is one of ErrorBody.error.code); the OpenAI-compatible routes answer in OpenAI’s error shape.',
    },
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: { schemas: components, securitySchemes: SECURITY_SCHEMES },
  }
}
