/**
 * The one validation wrapper: every JSON body and query is read and checked the same way, so
 * bad JSON, bad UTF-8, JSON nested too deep, a wrong type or a missing field all fail with a 400
 * that says which.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { HEADERS } from '../../shared/index.ts'
import { JSON_MAX_DEPTH, nestsDeeperThan } from '../../shared/json-depth.ts'
import { ApiError } from './errors.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(type) && type !== '') {
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).')
  }
  const bytes = await c.req.arrayBuffer()
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'The body is not valid UTF-8.')
  }
  let value: unknown
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text)
  } catch {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.')
  }
  if (value === undefined) throw new ApiError(400, 'invalid_json', 'The body is empty; send a JSON object.')
  // Before anything recurses over it: validation and JSON.stringify would overflow the stack.
  if (nestsDeeperThan(value)) throw new ApiError(400, 'invalid_json', `The body nests deeper than ${JSON_MAX_DEPTH} levels of arrays and objects.`)
  return check(schema, value)
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return check(schema, c.req.query())
}

export function check<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
  const first = issues[0]!
  const where = first.path ? `${first.path}: ` : ''
  throw new ApiError(400, 'invalid_request', `${where}${first.message}`, { issues })
}

/** The `Last-Event-ID` a client resumes a stream after: 0 when absent, else a whole number (400). */
export function lastEventId(c: Context): number {
  const header = c.req.header(HEADERS.lastEventId)
  if (header === undefined || header.trim() === '') return 0
  if (!/^\d{1,9}$/.test(header.trim())) throw new ApiError(400, 'invalid_request', `${HEADERS.lastEventId} must be a whole number`)
  return Number(header.trim())
}
