/**
 * HTTP tools: an owner describes an endpoint (URL, method, headers, a JSON schema for the
 * arguments) and the model may call it. The arguments are checked against the schema before
 * anything leaves the host, every request goes through the SSRF guard, and what comes back
 * is capped, so one tool call can neither reach inside the network nor flood the context.
 *
 * Secret header values are stored sealed (see secret-box.ts), opened only for the request,
 * and never appear in an error, a result or an owner API reply.
 */

import { dynamicTool, type JSONSchema7, jsonSchema, type Tool } from 'ai'
import { z } from 'zod'
import { LIMITS } from '../../../shared/limits.ts'
import { type AllowPrivate, describeNetworkFailure, type GuardedResponse, guardedFetch, type Resolver } from '../network/index.ts'
import { type ForwardedUser, forwardedUserHeaders } from './forward-user.ts'
import { describeSavedFile, type OutputFileSink, plainContentType, safeFilename } from './output-files.ts'

export { HTTP_TOOL_LIMITS, type HttpHeaderSpec, HttpHeaderSpecSchema, type HttpToolSpec, HttpToolSpecSchema, REDACTED_SECRET } from '../../../shared/tools.ts'

import { HTTP_TOOL_LIMITS, type HttpHeaderSpec, type HttpToolSpec, REDACTED_SECRET } from '../../../shared/tools.ts'

// ---------------------------------------------------------------- the tool

/** What every outbound tool (HTTP tools, MCP servers) needs from the host. */
export type ToolNetworkOptions = {
  /** Whether loopback/private/link-local targets may be reached (PORCH_TOOLS_ALLOW_PRIVATE). */
  allowPrivate: AllowPrivate
  /** Opens a sealed secret header value (SecretBox.open). */
  decrypt(value: string): string
  maxResultBytes?: number
  /** DNS, for tests; the system resolver by default. */
  resolve?: Resolver
  /** Where binary results go as files for the visitor; absent: they are described, not kept. */
  files?: OutputFileSink
  /** The run's verified visitor, sent (signed) to tools that opt in with `forward_user`; absent for anonymous visitors. */
  visitor?: ForwardedUser
}

export type HttpToolOptions = ToolNetworkOptions & {
  /** Lowers every tool's timeout (tests). */
  fetchTimeoutCapMs?: number
}

/** Secrets shorter than this are not scrubbed from results: replacing them would mangle text. */
const MIN_SCRUBBED_SECRET = 6

export function httpTool(spec: HttpToolSpec, options: HttpToolOptions): Tool {
  const validate = argumentValidator(spec)
  const maxResultBytes = options.maxResultBytes ?? HTTP_TOOL_LIMITS.resultBytes
  const timeoutMs = Math.min(spec.timeout_ms, options.fetchTimeoutCapMs ?? HTTP_TOOL_LIMITS.maxTimeoutMs)
  const host = new URL(spec.url).host

  return dynamicTool({
    description: spec.description || `Calls ${spec.method} ${host}.`,
    // No validator here: the arguments are checked in execute, so a bad call fails with our words.
    inputSchema: jsonSchema(spec.input_schema as JSONSchema7),
    async execute(input, { abortSignal }) {
      const args = validate(input)
      const { headers, secrets } = requestHeaders(spec, options.decrypt)
      const url = new URL(spec.url)
      url.hash = ''
      let body: string | undefined
      if (spec.method === 'GET' || spec.method === 'DELETE') appendQuery(url, args)
      else {
        body = JSON.stringify(args)
        if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
      }

      if (spec.forward_user && options.visitor) Object.assign(headers, forwardedUserHeaders(options.visitor, body))

      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout
      try {
        const response = await guardedFetch(
          url,
          { method: spec.method, headers, body, signal },
          { allowPrivate: options.allowPrivate, resolve: options.resolve },
        )
        const contentType = response.headers['content-type']
        if (contentType && !isTextual(contentType) && response.status >= 200 && response.status <= 299) {
          if (!options.files) {
            response.discard()
            return `(HTTP ${response.status}: ${plainContentType(contentType)} content, not shown; only text results reach the model)`
          }
          return await handOutFile(response, options.files)
        }
        const { text, truncated } = await response.readText(maxResultBytes)
        if (response.status < 200 || response.status > 299) {
          const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 300)
          throw new HttpToolError(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`)
        }
        if (text === '') return `(empty response, HTTP ${response.status})`
        const result = truncated ? `${text}\n\n[cut: the response was longer than ${formatBytes(maxResultBytes)}]` : text
        return scrub(result, secrets)
      } catch (error) {
        if (abortSignal?.aborted) throw new HttpToolError(`${spec.name} was cancelled`)
        if (timeout.aborted) throw new HttpToolError(`${spec.name} timed out after ${timeoutMs / 1000} s`)
        throw new HttpToolError(scrub(error instanceof HttpToolError ? error.message : describeNetworkFailure(error, host), secrets))
      }
    },
  })
}

/** A binary response (a PDF, an image) becomes a file for the visitor; the model reads that it was handed out. */
async function handOutFile(response: GuardedResponse, files: OutputFileSink): Promise<string> {
  const { data, truncated } = await response.readBytes(LIMITS.outputFileBytes + 1)
  if (truncated) throw new HttpToolError(`the response is a file larger than ${LIMITS.outputFileBytes / 1024 / 1024} MiB, too large to hand out`)
  const saved = await files.save({
    filename: filenameOf(response),
    contentType: plainContentType(response.headers['content-type']),
    data: new Uint8Array(data),
  })
  return describeSavedFile(saved)
}

/** The name from Content-Disposition, else the last segment of the URL's path. */
function filenameOf(response: GuardedResponse): string {
  const disposition = response.headers['content-disposition'] ?? ''
  const encoded = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)?.[1]
  if (encoded) {
    try {
      return safeFilename(decodeURIComponent(encoded.trim()))
    } catch {
      // A malformed escape: fall back to the plain name below.
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)?.[1]
  if (plain) return safeFilename(plain.trim())
  const segment = new URL(response.url).pathname.split('/').pop() ?? ''
  try {
    return safeFilename(decodeURIComponent(segment), 'download')
  } catch {
    return safeFilename(segment, 'download')
  }
}

/** A tool failure whose message is safe to show: no header value, no secret. */
export class HttpToolError extends Error {
  override name = 'HttpToolError'
}

function argumentValidator(spec: HttpToolSpec): (input: unknown) => Record<string, unknown> {
  let schema: z.ZodType | null = null
  let problem = ''
  try {
    schema = z.fromJSONSchema(spec.input_schema as Parameters<typeof z.fromJSONSchema>[0])
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error)
  }
  return (input) => {
    if (!schema) throw new HttpToolError(`${spec.name} cannot be called: its input schema is not usable (${problem})`)
    const parsed = schema.safeParse(input ?? {})
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`)
      throw new HttpToolError(`invalid arguments for ${spec.name}: ${issues.join('; ')}`)
    }
    const args = parsed.data
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new HttpToolError(`invalid arguments for ${spec.name}: expected an object`)
    return args as Record<string, unknown>
  }
}

function requestHeaders(spec: HttpToolSpec, decrypt: (value: string) => string): { headers: Record<string, string>; secrets: string[] } {
  const defaults = { accept: 'application/json, text/plain;q=0.9, */*;q=0.8', 'user-agent': 'Porch-HTTP-Tool/1' }
  return openHeaders(spec.headers, defaults, decrypt, (message) => new HttpToolError(message))
}

/**
 * The owner's headers over `defaults`, secrets opened for this one request; also the opened
 * secrets, to scrub from whatever comes back. HTTP tools and MCP servers share it.
 */
export function openHeaders(
  owned: readonly HttpHeaderSpec[],
  defaults: Record<string, string>,
  decrypt: (value: string) => string,
  fail: (message: string) => Error,
): { headers: Record<string, string>; secrets: string[] } {
  const headers: Record<string, string> = { ...defaults }
  const secrets: string[] = []
  for (const header of owned) {
    let value = header.value ?? ''
    if (header.secret !== undefined) {
      try {
        value = decrypt(header.secret)
      } catch {
        throw fail(`the secret of header ${header.name} cannot be read (was the host secret changed?); the owner has to enter it again`)
      }
      if (value.length >= MIN_SCRUBBED_SECRET) secrets.push(value)
    }
    delete headers[header.name.toLowerCase()]
    headers[header.name] = value
  }
  return { headers, secrets }
}

/** GET and DELETE carry the arguments in the query: arrays as repeated keys, objects as JSON. */
function appendQuery(url: URL, args: Record<string, unknown>): void {
  const scalar = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, scalar(item))
  }
}

/** Text the model can read; a missing content type is given the benefit of the doubt. */
function isTextual(contentType: string): boolean {
  return /^text\/|json|xml|javascript|yaml|csv|x-www-form-urlencoded|graphql/i.test(contentType)
}

/** The text with every opened secret replaced, so no result or error carries one. */
export function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((result, secret) => result.split(secret).join('[secret]'), text)
}

function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`
}

// ---------------------------------------------------------------- secrets at rest

/** An owner sent a secret header the host cannot store; the owner API answers 400 with it. */
export class ToolSecretError extends Error {
  override name = 'ToolSecretError'
}

type Sealer = { seal(plaintext: string): string; open(sealed: string): string }
type AnyToolSpec = { type: string }

/** HTTP tools and MCP servers both carry headers with secrets, and the URL they send them to. */
type WithHeaders = AnyToolSpec & { name: string; url: string; headers: HttpHeaderSpec[] }
const hasHeaders = (tool: AnyToolSpec): tool is WithHeaders => Array.isArray((tool as { headers?: unknown }).headers)
const secretKey = (tool: string, header: string) => `${tool}\n${header.toLowerCase()}`
const originOf = (url: string) => {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/**
 * Before a tool list is stored: every secret the owner typed is sealed; REDACTED_SECRET keeps
 * the secret already stored for that tool and header, but only while the tool still sends it to
 * the same origin (scheme, host and port): whoever re-points a tool elsewhere must type the
 * secret again, or an editor could move it to their own server and receive it. A secret equal
 * to the stored one keeps its sealed form, so re-sending an unchanged list is no change to publish.
 */
export function sealToolSecrets<T extends AnyToolSpec>(tools: readonly T[], previous: readonly AnyToolSpec[], box: Sealer): T[] {
  const stored = new Map<string, { sealed: string; origin: string | null }>()
  for (const tool of previous.filter(hasHeaders)) {
    for (const header of tool.headers)
      if (header.secret !== undefined) stored.set(secretKey(tool.name, header.name), { sealed: header.secret, origin: originOf(tool.url) })
  }
  return tools.map((tool) => {
    if (!hasHeaders(tool)) return tool
    const origin = originOf(tool.url)
    const headers = tool.headers.map((header) => {
      if (header.secret === undefined) return header
      const stillHere = stored.get(secretKey(tool.name, header.name))
      const kept = stillHere && stillHere.origin !== null && stillHere.origin === origin ? stillHere.sealed : undefined
      if (header.secret === REDACTED_SECRET) {
        if (stillHere && kept === undefined) {
          throw new ToolSecretError(
            `tool ${tool.name}, header ${header.name}: the tool now sends to ${origin ?? 'another address'}; type the secret again (${REDACTED_SECRET} keeps a stored secret only while the tool's URL stays on the same origin)`,
          )
        }
        if (kept === undefined)
          throw new ToolSecretError(`tool ${tool.name}, header ${header.name}: send the secret itself (${REDACTED_SECRET} only keeps a secret already stored)`)
        return { ...header, secret: kept }
      }
      if (Buffer.byteLength(header.secret) > HTTP_TOOL_LIMITS.secretBytes) {
        throw new ToolSecretError(`tool ${tool.name}, header ${header.name}: the secret must be at most ${HTTP_TOOL_LIMITS.secretBytes} bytes`)
      }
      if (kept !== undefined && openOrNull(box, kept) === header.secret) return { ...header, secret: kept }
      return { ...header, secret: box.seal(header.secret) }
    })
    return { ...tool, headers }
  })
}

/** Before a tool list leaves the host in an owner API reply: every secret becomes REDACTED_SECRET. */
export function redactToolSecrets<T extends AnyToolSpec>(tools: readonly T[]): T[] {
  return tools.map((tool) =>
    hasHeaders(tool)
      ? { ...tool, headers: tool.headers.map((header) => (header.secret === undefined ? header : { ...header, secret: REDACTED_SECRET })) }
      : tool,
  )
}

function openOrNull(box: Sealer, sealed: string): string | null {
  try {
    return box.open(sealed)
  } catch {
    return null
  }
}
