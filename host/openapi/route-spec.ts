/**
 * How one route is described for the OpenAPI document: every field names a zod schema (or a
 * non-JSON body), never a hand-written JSON Schema, so the document follows the schemas the
 * routes parse with. The route groups (public.ts, owner.ts, console.ts, compat.ts, pages.ts)
 * are lists of these; document.ts turns them into OpenAPI 3.1.
 */
import type { z } from 'zod'

/** Who may call a route. More than one means any of them. */
export type Auth = 'owner' | 'console' | 'chatKey' | 'visitor' | 'compatKey' | 'none'

/** A reply or request body that is not JSON. */
export type RawBody =
  | { sse: 'stream-events' }
  | { sse: 'session-events' }
  | { sse: 'ui-message-stream' }
  | { sse: 'compat-chunks'; description: string }
  | { html: true }
  | { binary: string }
  /** A download in either format: JSON lines of `jsonl`, or CSV described by `csv`. */
  | { jsonl: z.ZodType; csv: string }

export type Body = z.ZodType | RawBody

export type RouteSpec = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  /** OpenAPI form: `{id}`, not Hono's `:id`. */
  path: string
  tag: string
  summary: string
  description?: string
  auth: Auth[]
  /** Path parameters, by name, each with the schema it is checked against (a string when unchecked). */
  params?: Record<string, z.ZodType>
  query?: z.ZodObject
  /** Request headers beyond auth that change what the route does. */
  headers?: Record<string, string>
  body?: Body
  /** The body may be left out (publishing takes its defaults then). */
  bodyOptional?: boolean
  /** Replies by status; `stream` is the same reply when the request asks for a stream (`stream: true`). */
  replies: Record<number, { description: string; body?: Body | z.ZodType[]; stream?: RawBody }>
  /** Error statuses answered with the one error body (shared/protocol.ts ErrorBodySchema). */
  errors?: number[]
  /** Error body other than ErrorBodySchema (the compat APIs keep their platforms' own). */
  errorBody?: z.ZodType
}

export const isRaw = (body: Body): body is RawBody => typeof body === 'object' && body !== null && !('_zod' in body)
