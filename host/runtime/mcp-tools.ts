/**
 * MCP servers as tools (streamable HTTP, through the official SDK's client). An owner attaches
 * a server to an agent; publishing asks it for its tools and freezes them into the version
 * (discoverMcpTools, freezeMcpTools), and a run offers the model exactly that frozen list
 * (mcpTools): a server that changes its tools changes nothing until the owner publishes again.
 *
 * One client per tool call: connect (initialize), call, close. It costs two extra round trips
 * per call, but toolsFor() has no end-of-run hook that could close a client shared by a run,
 * and nothing (sockets, sessions, decrypted headers) outlives the call that needed it.
 *
 * Every HTTP request of the SDK goes through guardedMcpFetch: the target is checked by the SSRF
 * guard (net-guard.ts) and the connection goes to the checked addresses only, so there is no
 * DNS-rebinding window between the check and the connect. Redirects are left to the SDK, which
 * follows only same-origin ones, each again through this fetch.
 *
 * Secret header values are opened only for the call, scrubbed from every result and error, and
 * never put into a message.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode, McpError, type Tool as McpToolDescription } from '@modelcontextprotocol/sdk/types.js'
import { dynamicTool, jsonSchema, type JSONSchema7, type ToolSet } from 'ai'
import type { IncomingMessage } from 'node:http'
import { MCP_LIMITS, type FrozenMcpTool, type McpServerSpec } from '../../shared/mcp.ts'
import { LIMITS } from '../../shared/limits.ts'
import { JSON_MAX_DEPTH, nestsDeeperThan } from '../../shared/json-depth.ts'
import { checkTarget, describeNetworkFailure, guardedFetch, pinnedRequest, type AllowPrivate, type Resolver } from './net-guard.ts'
import { openHeaders, scrub, type ToolNetworkOptions } from './http-tools.ts'
import { describeSavedFile, plainContentType, safeFilename, type OutputFileSink } from './output-files.ts'

export { FrozenMcpToolSchema, MCP_LIMITS, McpServerSpecSchema, type FrozenMcpTool, type McpServerSpec } from '../../shared/mcp.ts'

export type McpToolOptions = ToolNetworkOptions & {
  /** Lowers every server's timeout (tests). */
  timeoutCapMs?: number
}

export type McpDiscoveryOptions = McpToolOptions & {
  /** For the whole discovery (connect and every page of the list); the server's timeout_ms by default. */
  timeoutMs?: number
}

/** A failure whose message is safe to show: no header value, no secret. */
export class McpToolError extends Error {
  override name = 'McpToolError'
}

const CLIENT_INFO = { name: 'porch', version: '1' }
const MAX_LIST_PAGES = 20
/** Characters of a server's error message passed on to the model. */
const ERROR_EXCERPT_CHARS = 2000

// ---------------------------------------------------------------- publish time

/** Asks the server for its tools and returns them as a version freezes them (allowed_tools applied). */
export async function discoverMcpTools(spec: McpServerSpec, options: McpDiscoveryOptions): Promise<FrozenMcpTool[]> {
  const listed = await withServer(spec, options, options.timeoutMs, undefined, async (client, request) => {
    const tools: McpToolDescription[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const reply = await client.listTools(cursor === undefined ? undefined : { cursor }, request)
      tools.push(...reply.tools)
      cursor = reply.nextCursor
      if (cursor === undefined) return tools
    }
    throw new McpToolError(`the tool list has more than ${MAX_LIST_PAGES} pages`)
  })
  return freezeList(spec, listed)
}

function freezeList(spec: McpServerSpec, listed: McpToolDescription[]): FrozenMcpTool[] {
  const allowed = spec.allowed_tools
  if (allowed) {
    const offered = new Set(listed.map((tool) => tool.name))
    const missing = allowed.filter((name) => !offered.has(name))
    if (missing.length > 0) throw new McpToolError(`allowed_tools names tools the server does not offer: ${missing.join(', ')}`)
  }
  const chosen = allowed ? listed.filter((tool) => allowed.includes(tool.name)) : listed
  if (chosen.length > MCP_LIMITS.toolsPerServer) {
    throw new McpToolError(`the server offers ${chosen.length} tools, more than the ${MCP_LIMITS.toolsPerServer} an agent can take from one server: name the ones it needs in allowed_tools`)
  }
  return chosen.map((tool) => {
    if (tool.name.length > MCP_LIMITS.toolNameChars) throw new McpToolError(`a tool name is longer than ${MCP_LIMITS.toolNameChars} characters`)
    const schema = tool.inputSchema as Record<string, unknown>
    // A server's schema is as untrusted as a visitor's body: measured before JSON.stringify recurses into it.
    if (nestsDeeperThan(schema)) throw new McpToolError(`the input schema of ${tool.name} nests deeper than ${JSON_MAX_DEPTH} levels: leave the tool out with allowed_tools`)
    if (JSON.stringify(schema).length > MCP_LIMITS.inputSchemaChars) {
      throw new McpToolError(`the input schema of ${tool.name} is longer than ${MCP_LIMITS.inputSchemaChars} characters: leave the tool out with allowed_tools`)
    }
    return { name: tool.name, description: (tool.description ?? '').slice(0, MCP_LIMITS.descriptionChars), input_schema: schema }
  })
}

/**
 * For publishing: the tool list with every MCP server's `tools` filled by `discover`. Servers
 * are asked in parallel; the first failure throws, naming the server.
 */
export async function freezeMcpTools<T extends { type: string }>(tools: readonly T[], discover: (spec: McpServerSpec) => Promise<FrozenMcpTool[]>): Promise<T[]> {
  return Promise.all(
    tools.map(async (tool) => {
      if (!isMcp(tool)) return tool
      try {
        return { ...tool, tools: await discover(tool) }
      } catch (error) {
        throw new McpToolError(`MCP server ${tool.name}: cannot list its tools: ${error instanceof Error ? error.message : String(error)}`)
      }
    }),
  )
}

/**
 * For the owner API, before a draft is stored: `tools` is the host's, not the owner's. Each MCP
 * server keeps the list frozen for it before (same name and URL), or none; so sending back an
 * agent as it was read is not a change, and a list the owner typed is never trusted.
 */
export function keepFrozenMcpTools<T extends { type: string }>(tools: readonly T[], previous: readonly { type: string }[]): T[] {
  const frozen = new Map(previous.filter(isMcp).map((spec) => [spec.name, spec]))
  return tools.map((tool) => {
    if (!isMcp(tool)) return tool
    const before = frozen.get(tool.name)
    const { tools: _ignored, ...rest } = tool
    return (before?.tools && before.url === tool.url ? { ...rest, tools: before.tools } : rest) as T
  })
}

const isMcp = (tool: { type: string }): tool is McpServerSpec & { type: 'mcp' } => tool.type === 'mcp'

// ---------------------------------------------------------------- run time

/** The names the model sees for a server's frozen tools, in order, with the tool each one calls. */
export function mcpToolEntries(spec: McpServerSpec): { exposedName: string; tool: FrozenMcpTool }[] {
  const taken = new Set<string>()
  const allowed = spec.allowed_tools
  return (spec.tools ?? [])
    .filter((tool) => !allowed || allowed.includes(tool.name))
    .map((tool) => {
      const base = `${spec.name}${MCP_LIMITS.nameSeparator}${tool.name.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64)
      let exposedName = base
      for (let n = 2; taken.has(exposedName); n++) exposedName = `${base.slice(0, 64 - String(n).length - 1)}_${n}`
      taken.add(exposedName)
      return { exposedName, tool }
    })
}

/** The AI SDK tools for a server's frozen tool list; a server never published offers none. */
export function mcpTools(spec: McpServerSpec, options: McpToolOptions): ToolSet {
  const maxResultBytes = options.maxResultBytes ?? MCP_LIMITS.resultBytes
  const tools: ToolSet = {}
  for (const { exposedName, tool } of mcpToolEntries(spec)) {
    tools[exposedName] = dynamicTool({
      description: tool.description || `The tool ${tool.name} of the MCP server ${spec.name}.`,
      // The server checks the arguments against its own schema; its complaint reaches the model.
      inputSchema: jsonSchema(tool.input_schema as JSONSchema7),
      async execute(input, { abortSignal }) {
        const args = input ?? {}
        if (typeof args !== 'object' || Array.isArray(args)) throw new McpToolError(`invalid arguments for ${exposedName}: expected an object`)
        return withServer(spec, options, undefined, abortSignal, async (client, request, secrets) => {
          const result = await client.callTool({ name: tool.name, arguments: args as Record<string, unknown> }, undefined, request)
          const handedOut = result.isError === true ? new Map<number, string>() : await handOutFiles(result, options, spec.timeout_ms)
          const text = scrub(resultText(result, handedOut), secrets)
          if (result.isError === true) throw new McpToolError(text.slice(0, ERROR_EXCERPT_CHARS) || `${tool.name} failed (the server gave no reason)`)
          return capBytes(text, maxResultBytes) || '(empty result)'
        })
      },
    })
  }
  return tools
}

type CallResult = Awaited<ReturnType<Client['callTool']>>

/**
 * Images, binary resources and links to web resources in a result become files for the visitor
 * (when the run can take files); returns, by block index, what the model reads instead.
 * A linked resource is fetched through the network guard, like any outbound request.
 */
async function handOutFiles(result: CallResult, options: McpToolOptions, timeoutMs: number): Promise<Map<number, string>> {
  const handedOut = new Map<number, string>()
  const files = options.files
  if (!files || !Array.isArray(result.content)) return handedOut
  for (const [index, block] of (result.content as CallContent[]).entries()) {
    let file: { filename: string; contentType: string; data: () => Promise<Uint8Array> } | null = null
    if (block.type === 'image' || block.type === 'audio') {
      const extension = block.mimeType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin'
      file = { filename: `${block.type}-${index + 1}.${extension}`, contentType: block.mimeType, data: async () => Buffer.from(block.data, 'base64') }
    } else if (block.type === 'resource' && 'blob' in block.resource) {
      const blob = block.resource.blob
      file = { filename: lastSegment(block.resource.uri), contentType: block.resource.mimeType ?? 'application/octet-stream', data: async () => Buffer.from(blob, 'base64') }
    } else if (block.type === 'resource_link' && /^https?:\/\//i.test(block.uri)) {
      const uri = block.uri
      file = { filename: block.name || lastSegment(uri), contentType: block.mimeType ?? 'application/octet-stream', data: () => fetchLinked(uri, options, timeoutMs) }
    }
    if (!file) continue
    try {
      const saved = await files.save({ filename: safeFilename(file.filename, 'download'), contentType: plainContentType(file.contentType), data: await file.data() })
      handedOut.set(index, describeSavedFile(saved))
    } catch (error) {
      handedOut.set(index, `(a file could not be handed out: ${error instanceof Error ? error.message : 'unknown error'})`)
    }
  }
  return handedOut
}

const lastSegment = (uri: string) => uri.split(/[/:]/).pop() ?? ''

async function fetchLinked(uri: string, options: McpToolOptions, timeoutMs: number): Promise<Uint8Array> {
  const response = await guardedFetch(uri, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) }, { allowPrivate: options.allowPrivate, resolve: options.resolve })
  if (response.status < 200 || response.status > 299) {
    response.discard()
    throw new Error(`the linked resource answered HTTP ${response.status}`)
  }
  const { data, truncated } = await response.readBytes(LIMITS.outputFileBytes + 1)
  if (truncated) throw new Error(`the linked resource is larger than ${LIMITS.outputFileBytes / 1024 / 1024} MiB`)
  return new Uint8Array(data)
}

type CallContent = Extract<CallResult, { content: unknown }>['content'][number]

/** The text the model reads: text blocks as they are, files as handed out, other content named but not shown. */
function resultText(result: CallResult, handedOut = new Map<number, string>()): string {
  if ('toolResult' in result) return stringify(result.toolResult)
  const parts = (result.content ?? []).map((block, index) => {
    const file = handedOut.get(index)
    if (file !== undefined) return file
    switch (block.type) {
      case 'text':
        return block.text
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `(binary resource ${block.resource.uri}, not shown)`
      case 'resource_link':
        return `(resource ${block.uri})`
      default:
        return `(${block.type} content, not shown; only text results reach the model)`
    }
  })
  if (parts.length === 0 && result.structuredContent !== undefined) return stringify(result.structuredContent)
  return parts.join('\n')
}

function capBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text)
  if (bytes.length <= maxBytes) return text
  // `stream: true` drops a character cut in half at the cap instead of mangling it.
  const kept = new TextDecoder().decode(bytes.subarray(0, maxBytes), { stream: true })
  return `${kept}\n\n[cut: the result was longer than ${maxBytes % 1024 === 0 ? `${maxBytes / 1024} KiB` : `${maxBytes} bytes`}]`
}

// ---------------------------------------------------------------- one connection

type RequestOptions = { signal: AbortSignal; timeout: number }

/** Connects, runs `work`, and closes; every failure comes out as an McpToolError with safe words. */
async function withServer<T>(
  spec: McpServerSpec,
  options: McpToolOptions,
  timeoutOverrideMs: number | undefined,
  abortSignal: AbortSignal | undefined,
  work: (client: Client, request: RequestOptions, secrets: string[]) => Promise<T>,
): Promise<T> {
  const timeoutMs = Math.min(timeoutOverrideMs ?? spec.timeout_ms, options.timeoutCapMs ?? Number.POSITIVE_INFINITY)
  const host = new URL(spec.url).host
  const { headers, secrets } = ownerHeaders(spec, options.decrypt)
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout
  const transport = new StreamableHTTPClientTransport(new URL(spec.url), {
    fetch: guardedMcpFetch({ allowPrivate: options.allowPrivate, resolve: options.resolve, signal }),
    requestInit: { headers },
  })
  const client = new Client(CLIENT_INFO, { capabilities: {} })
  const request = { signal, timeout: timeoutMs }
  try {
    await client.connect(transport, request)
    return await work(client, request, secrets)
  } catch (error) {
    if (abortSignal?.aborted) throw new McpToolError(`the call to ${host} was cancelled`)
    if (timeout.aborted || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) throw new McpToolError(`${host} did not answer within ${timeoutMs / 1000} s`)
    if (error instanceof McpToolError) throw error
    throw new McpToolError(scrub(describeNetworkFailure(error, host), secrets).slice(0, ERROR_EXCERPT_CHARS))
  } finally {
    // Ending a stateful server's session is a courtesy: it need not delay the answer.
    void transport
      .terminateSession()
      .catch(() => {})
      .finally(() => client.close().catch(() => {}))
  }
}

function ownerHeaders(spec: McpServerSpec, decrypt: (value: string) => string): { headers: Record<string, string>; secrets: string[] } {
  return openHeaders(spec.headers, { 'user-agent': 'Porch-MCP-Client/1' }, decrypt, (message) => new McpToolError(message))
}


function stringify(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
}

// ---------------------------------------------------------------- the guarded fetch

/**
 * The fetch the SDK's transport uses. Like net-guard's guardedFetch, it checks each request's
 * target and pins the connection to the checked addresses; unlike it, the body streams (the
 * SDK reads server-sent events) and redirects are not followed here. GET, the stream for
 * messages the server starts on its own, is answered 405 locally: Porch offers the server
 * nothing to ask for (no sampling, no roots), and the stream would hold a socket open.
 */
function guardedMcpFetch(options: { allowPrivate: AllowPrivate; resolve?: Resolver; signal: AbortSignal }): FetchLike {
  return async (input, init = {}) => {
    const url = new URL(input)
    const method = (init.method ?? 'GET').toUpperCase()
    if (method === 'GET') return new Response(null, { status: 405, statusText: 'Method Not Allowed' })
    const signal = init.signal ? AbortSignal.any([init.signal, options.signal]) : options.signal
    const addresses = await checkTarget(url, { allowPrivate: options.allowPrivate, resolve: options.resolve, signal })
    const body = init.body
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new Error('unsupported request body')
    const response = await pinnedRequest(url, addresses, { method, headers: Object.fromEntries(new Headers(init.headers)), body: body ?? undefined, signal })
    const status = response.statusCode ?? 0
    if (status < 200 || status > 599) {
      response.destroy()
      throw new Error(`unexpected HTTP status ${status}`)
    }
    const headers = new Headers()
    for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!)
    const empty = status === 204 || status === 205 || status === 304 || method === 'HEAD'
    if (empty) response.destroy()
    return new Response(empty ? null : cappedBody(response, MCP_LIMITS.responseBytes), { status, statusText: response.statusMessage ?? '', headers })
  }
}

/** The response body as a web stream, failing once it passes `maxBytes`: a server cannot flood the host. */
function cappedBody(response: IncomingMessage, maxBytes: number): ReadableStream<Uint8Array> {
  let size = 0
  let done = false
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: Error) => {
        if (done) return
        done = true
        controller.error(error)
        response.destroy()
      }
      response.on('data', (chunk: Buffer) => {
        if (done) return
        size += chunk.length
        if (size > maxBytes) return fail(new Error(`the server sent more than ${maxBytes / (1024 * 1024)} MiB in one response`))
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))
        if ((controller.desiredSize ?? 1) <= 0) response.pause()
      })
      response.once('end', () => {
        if (done) return
        done = true
        controller.close()
      })
      response.once('error', fail)
      response.once('close', () => {
        if (!response.complete) fail(new Error('the connection closed before the response was complete'))
      })
    },
    pull() {
      response.resume()
    },
    cancel() {
      done = true
      response.destroy()
    },
  })
}
