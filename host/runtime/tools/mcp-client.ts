/**
 * One connection to an MCP server (streamable HTTP, through the official SDK's client), for
 * discovery (mcp-discovery.ts) and for each tool call (mcp-tools.ts): connect (initialize),
 * work, close. It costs two extra round trips per call, but toolsFor() has no end-of-run hook
 * that could close a client shared by a run, and nothing (sockets, sessions, decrypted headers)
 * outlives the call that needed it.
 *
 * Every HTTP request of the SDK goes through guardedMcpFetch: the target is checked by the SSRF
 * guard (network/net-guard.ts) and the connection goes to the checked addresses only, so there
 * is no DNS-rebinding window between the check and the connect. Redirects are left to the SDK,
 * which follows only same-origin ones, each again through this fetch.
 */

import type { IncomingMessage } from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { MCP_LIMITS, type McpServerSpec } from '../../../shared/mcp.ts'
import { type AllowPrivate, checkTarget, describeNetworkFailure, pinnedRequest, type Resolver } from '../network/index.ts'
import { type ForwardedUser, forwardedUserHeaders } from './forward-user.ts'
import { openHeaders, scrub, type ToolNetworkOptions } from './http-tools.ts'

export type McpToolOptions = ToolNetworkOptions & {
  /** Lowers every server's timeout (tests). */
  timeoutCapMs?: number
}

/** A failure whose message is safe to show: no header value, no secret. */
export class McpToolError extends Error {
  override name = 'McpToolError'
}

const CLIENT_INFO = { name: 'porch', version: '1' }
/** Characters of a server's error message passed on to the model. */
export const ERROR_EXCERPT_CHARS = 2000

type RequestOptions = { signal: AbortSignal; timeout: number }

/** Connects, runs `work`, and closes; every failure comes out as an McpToolError with safe words. */
export async function withServer<T>(
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
    fetch: guardedMcpFetch({
      allowPrivate: options.allowPrivate,
      resolve: options.resolve,
      signal,
      visitor: spec.forward_user ? options.visitor : undefined,
    }),
    requestInit: { headers },
  })
  const client = new Client(CLIENT_INFO, { capabilities: {} })
  const request = { signal, timeout: timeoutMs }
  try {
    await client.connect(transport, request)
    return await work(client, request, secrets)
  } catch (error) {
    if (abortSignal?.aborted) throw new McpToolError(`the call to ${host} was cancelled`)
    if (timeout.aborted || (error instanceof McpError && error.code === ErrorCode.RequestTimeout))
      throw new McpToolError(`${host} did not answer within ${timeoutMs / 1000} s`)
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

// ---------------------------------------------------------------- the guarded fetch

/**
 * The fetch the SDK's transport uses. Like net-guard's guardedFetch, it checks each request's
 * target and pins the connection to the checked addresses; unlike it, the body streams (the
 * SDK reads server-sent events) and redirects are not followed here. GET, the stream for
 * messages the server starts on its own, is answered 405 locally: Porch offers the server
 * nothing to ask for (no sampling, no roots), and the stream would hold a socket open.
 */
function guardedMcpFetch(options: { allowPrivate: AllowPrivate; resolve?: Resolver; signal: AbortSignal; visitor?: ForwardedUser }): FetchLike {
  return async (input, init = {}) => {
    const url = new URL(input)
    const method = (init.method ?? 'GET').toUpperCase()
    if (method === 'GET') return new Response(null, { status: 405, statusText: 'Method Not Allowed' })
    const signal = init.signal ? AbortSignal.any([init.signal, options.signal]) : options.signal
    const addresses = await checkTarget(url, { allowPrivate: options.allowPrivate, resolve: options.resolve, signal })
    const body = init.body
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new Error('unsupported request body')
    const headers = Object.fromEntries(new Headers(init.headers))
    // Each request signs its own body: a signature cannot be replayed onto another call.
    if (options.visitor) Object.assign(headers, forwardedUserHeaders(options.visitor, body ?? undefined))
    const response = await pinnedRequest(url, addresses, { method, headers, body: body ?? undefined, signal })
    const status = response.statusCode ?? 0
    if (status < 200 || status > 599) {
      response.destroy()
      throw new Error(`unexpected HTTP status ${status}`)
    }
    const received = new Headers()
    for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) received.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!)
    const empty = status === 204 || status === 205 || status === 304 || method === 'HEAD'
    if (empty) response.destroy()
    return new Response(empty ? null : cappedBody(response, MCP_LIMITS.responseBytes), { status, statusText: response.statusMessage ?? '', headers: received })
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
