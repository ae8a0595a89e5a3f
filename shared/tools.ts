/**
 * HTTP tools an owner defines on an agent: the wire shape, shared by the owner API and the
 * console. Secret header values arrive in clear, are sealed at rest (host/runtime/tools/secret-box.ts)
 * and come back only as REDACTED_SECRET.
 */
import { z } from 'zod'
import { JSON_MAX_DEPTH, nestsDeeperThan } from './json-depth.ts'

export const HTTP_TOOL_LIMITS = {
  headers: 20,
  headerValueChars: 4096,
  /** A secret as the owner types it; sealed, it grows by about a third. */
  secretBytes: 2048,
  inputSchemaChars: 16_000,
  urlChars: 2048,
  defaultTimeoutMs: 10_000,
  maxTimeoutMs: 60_000,
  resultBytes: 16 * 1024,
} as const

/** What an owner API reply shows instead of a stored secret, and what sent back keeps it. */
export const REDACTED_SECRET = '********'

// ---------------------------------------------------------------- the spec

/** Framing and hop-by-hop headers belong to the host, not to the tool. */
const HOST_SET_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'expect',
])

const headerValue = z
  .string()
  .max(HTTP_TOOL_LIMITS.headerValueChars)
  .regex(/^[^\r\n\0]*$/, 'must not contain line breaks')

export const HttpHeaderSpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name')
      .refine((name) => !HOST_SET_HEADERS.has(name.toLowerCase()), 'is set by the host'),
    /** Shown back to the owner as it is. */
    value: headerValue.optional(),
    /** Stored sealed and never shown back (replies carry REDACTED_SECRET). */
    secret: headerValue.min(1).optional(),
  })
  .refine((header) => (header.value === undefined) !== (header.secret === undefined), 'give the header a value or a secret (one of them)')
export type HttpHeaderSpec = z.infer<typeof HttpHeaderSpecSchema>

const InputSchemaSchema = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
  if (schema.type !== 'object') ctx.addIssue({ code: 'custom', message: 'must be a JSON schema with "type": "object" (the tool\'s arguments)' })
  // Measured before JSON.stringify below, which recurses (the console parses with this schema too).
  else if (nestsDeeperThan(schema)) ctx.addIssue({ code: 'custom', message: `must nest at most ${JSON_MAX_DEPTH} levels deep` })
  else if (JSON.stringify(schema).length > HTTP_TOOL_LIMITS.inputSchemaChars)
    ctx.addIssue({ code: 'custom', message: `must be at most ${HTTP_TOOL_LIMITS.inputSchemaChars} characters of JSON` })
  else {
    try {
      z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not a usable JSON schema: ${error instanceof Error ? error.message : String(error)}` })
    }
  }
})

const UrlSchema = z
  .string()
  .max(HTTP_TOOL_LIMITS.urlChars)
  .superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' })
      return
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' })
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password: put credentials in a secret header' })
  })

export const HttpToolSpecSchema = z.object({
  type: z.literal('http'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -'),
  description: z.string().max(1000).default(''),
  input_schema: InputSchemaSchema.default({ type: 'object', properties: {} }),
  url: UrlSchema,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z
    .array(HttpHeaderSpecSchema)
    .max(HTTP_TOOL_LIMITS.headers)
    .refine((headers) => new Set(headers.map((h) => h.name.toLowerCase())).size === headers.length, 'header names must be unique')
    .default([]),
  timeout_ms: z.number().int().min(1000).max(HTTP_TOOL_LIMITS.maxTimeoutMs).default(HTTP_TOOL_LIMITS.defaultTimeoutMs),
  /** Send the verified visitor (signed visitor identity) as X-Porch-User-Id with an HMAC signature (docs/protocol.md). */
  forward_user: z.boolean().optional(),
})
export type HttpToolSpec = z.infer<typeof HttpToolSpecSchema>
