/**
 * MCP servers an owner attaches to an agent (streamable HTTP): the wire shape, shared by the
 * owner API and the console. The owner gives a name, a URL and headers; the host asks the
 * server for its tools when the agent is published and freezes them into the version
 * (`tools`), so a published version never changes when the server does. Each tool reaches the
 * model as `<server name>__<tool name>`.
 */
import { z } from 'zod'
import { JSON_MAX_DEPTH, nestsDeeperThan } from './json-depth.ts'
import { HTTP_TOOL_LIMITS, HttpHeaderSpecSchema, HttpToolSpecSchema } from './tools.ts'

export const MCP_LIMITS = {
  serverNameChars: 40,
  /** Tools frozen per server: a model copes badly with hundreds, and each one costs tokens every turn. */
  toolsPerServer: 64,
  toolNameChars: 128,
  descriptionChars: 2000,
  inputSchemaChars: HTTP_TOOL_LIMITS.inputSchemaChars,
  /** Any one HTTP response from the server (the tool list, a result); a tool's text is capped further. */
  responseBytes: 4 * 1024 * 1024,
  /** The text of one tool result that reaches the model. */
  resultBytes: HTTP_TOOL_LIMITS.resultBytes,
  /** Separates the server name from the tool name in what the model sees. */
  nameSeparator: '__',
} as const

/** Headers the MCP transport sets itself; an owner's value would break the protocol. */
const PROTOCOL_HEADERS = new Set(['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'])

/** A tool as the server described it at publish time. */
export const FrozenMcpToolSchema = z.object({
  name: z.string().min(1).max(MCP_LIMITS.toolNameChars),
  description: z.string().max(MCP_LIMITS.descriptionChars).default(''),
  /**
   * Kept as the server sent it. Deliberately not checked with z.fromJSONSchema (unlike HTTP
   * tools): a schema zod cannot convert must not make a stored version unreadable.
   */
  input_schema: z
    .record(z.string(), z.unknown())
    .refine((schema) => schema.type === 'object', 'must be a JSON schema with "type": "object"')
    // Measured first, and the rest skipped when too deep: JSON.stringify recurses.
    .refine((schema) => !nestsDeeperThan(schema), { message: `must nest at most ${JSON_MAX_DEPTH} levels deep`, abort: true })
    .refine((schema) => JSON.stringify(schema).length <= MCP_LIMITS.inputSchemaChars, `must be at most ${MCP_LIMITS.inputSchemaChars} characters of JSON`),
})
export type FrozenMcpTool = z.infer<typeof FrozenMcpToolSchema>

export const McpServerSpecSchema = z.object({
  type: z.literal('mcp'),
  /** Also the prefix of every tool name the model sees. */
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'must be 1 to 40 letters, digits, _ or -'),
  url: HttpToolSpecSchema.shape.url,
  headers: z
    .array(HttpHeaderSpecSchema)
    .max(HTTP_TOOL_LIMITS.headers)
    .refine((headers) => new Set(headers.map((h) => h.name.toLowerCase())).size === headers.length, 'header names must be unique')
    .refine((headers) => headers.every((h) => !PROTOCOL_HEADERS.has(h.name.toLowerCase())), 'Accept, Content-Type and Mcp-* headers are set by the MCP client')
    .default([]),
  /** For each call to the server (connecting, listing, calling), not for a whole run. */
  timeout_ms: z.number().int().min(1000).max(HTTP_TOOL_LIMITS.maxTimeoutMs).default(HTTP_TOOL_LIMITS.defaultTimeoutMs),
  /** Freeze and offer only these of the server's tools; all of them when absent. */
  allowed_tools: z
    .array(z.string().min(1).max(MCP_LIMITS.toolNameChars))
    .min(1)
    .max(MCP_LIMITS.toolsPerServer)
    .refine((names) => new Set(names).size === names.length, 'tool names must be unique')
    .optional(),
  /** Send the verified visitor (signed visitor identity) as X-Porch-User-Id with an HMAC signature on every request (docs/protocol.md). */
  forward_user: z.boolean().optional(),
  /** Filled by the host when the agent is published; what an owner sends here is replaced. */
  tools: z.array(FrozenMcpToolSchema).max(MCP_LIMITS.toolsPerServer).optional(),
})
export type McpServerSpec = z.infer<typeof McpServerSpecSchema>
