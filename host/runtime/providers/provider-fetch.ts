/**
 * The `fetch` the model providers are given: the same contract as the global fetch for what
 * the AI SDK asks of it (a request with a string or bytes body, an abort signal; a Response
 * with a streamed body), carried by node:http and node:https over keep-alive connections.
 *
 * Why not the global fetch: Node 20's built-in fetch (undici) spent about a millisecond of CPU
 * per model call on its own request and response machinery, half of Porch's overhead to the
 * first token against a model on the same network (BENCHMARKS.md, issue 7).
 *
 * Differences from the global fetch, on purpose: redirects are not followed (a provider API
 * answers where it is configured; a redirect becomes the provider error it is), and no
 * compression is asked for (token streams are small and already sent as they come).
 * Failures look as they do from the global fetch, so the SDK reads them the same way: a network
 * error rejects with `TypeError('fetch failed', { cause })` (the SDK retries it), an abort
 * with the signal's reason, and a body cut short errors the stream with `TypeError('terminated')`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

// Keep-alive agents, so each model call after the first reuses a warm connection.
const agents = { http: new HttpAgent({ keepAlive: true, scheduling: 'lifo' }), https: new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }) }

/** Statuses whose Response may not carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

export const providerFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  return send(url, init, true, false)
}

/**
 * providerFetch for a reader of the `node:http` response itself (host/fast-paths/openai-chat-stream.ts):
 * a 2xx Response has no body and `rawBodyOf` gives its IncomingMessage, unread, with no abort
 * listener (the reader handles aborts). Other answers are providerFetch's, body and all.
 */
const rawBodyProviderFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  return send(url, init, true, true)
}

const rawBodies = new WeakMap<Response, IncomingMessage>()

/** The SDK's fetch, and the pair the OpenAI stream fast path reads a body with. */
export const rawBodyTransport = {
  sdkFetch: providerFetch,
  fetch: rawBodyProviderFetch,
  /** The unread `node:http` response behind a Response from rawBodyProviderFetch. */
  rawBodyOf: (response: Response): IncomingMessage | undefined => rawBodies.get(response),
}

/**
 * `retryStale`: a kept-alive connection that the server closed as this request went out (it
 * had been idle up to the server's keep-alive limit) fails with ECONNRESET before any answer.
 * Such a request is sent once more at once, on a fresh connection, as Node's documentation
 * advises, instead of failing into the SDK's retry seconds later.
 */
function send(url: URL, init: RequestInit | undefined, retryStale: boolean, raw: boolean): Promise<Response> {
  const signal = init?.signal ?? undefined
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const secure = url.protocol === 'https:'
    if (!secure && url.protocol !== 'http:') return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) }))
    const open = secure ? httpsRequest : httpRequest
    let answered = false
    const request = open(
      url,
      { method: init?.method ?? 'GET', headers: plainHeaders(init?.headers), agent: secure ? agents.https : agents.http },
      (response) => {
        answered = true
        signal?.removeEventListener('abort', abortRequest)
        resolve(raw && isOk(response) ? rawResponse(response) : toResponse(response, signal))
      },
    )
    const abortRequest = () => request.destroy(signal!.reason)
    signal?.addEventListener('abort', abortRequest, { once: true })
    request.on('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', abortRequest)
      if (signal?.aborted) return reject(signal.reason)
      if (retryStale && !answered && request.reusedSocket && error.code === 'ECONNRESET') return resolve(send(url, init, false, raw))
      reject(new TypeError('fetch failed', { cause: error }))
    })
    request.end(requestBody(init?.body))
  })
}

const isOk = (response: IncomingMessage) => (response.statusCode ?? 500) >= 200 && (response.statusCode ?? 500) < 300

function rawResponse(response: IncomingMessage): Response {
  const answer = new Response(null, { status: response.statusCode, statusText: response.statusMessage, headers: headersOf(response) })
  rawBodies.set(answer, response)
  return answer
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers()
  for (let i = 0; i < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!)
  return headers
}

function toResponse(response: IncomingMessage, signal: AbortSignal | undefined): Response {
  const status = response.statusCode ?? 500
  const init = { status, statusText: response.statusMessage, headers: headersOf(response) }
  if (NULL_BODY_STATUSES.has(status)) {
    response.resume()
    return new Response(null, init)
  }
  let settled = false
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (error: unknown) => {
          if (settled) return
          settled = true
          controller.error(error)
        }
        const abortBody = () => {
          fail(signal!.reason)
          response.destroy()
        }
        signal?.addEventListener('abort', abortBody, { once: true })
        response.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          // Backpressure: stop reading the socket until the reader asks for more (pull).
          if ((controller.desiredSize ?? 1) <= 0) response.pause()
        })
        response.on('end', () => {
          signal?.removeEventListener('abort', abortBody)
          if (settled) return
          settled = true
          controller.close()
        })
        // A connection closed before the end of the body, as the global fetch reports it.
        response.on('close', () => {
          signal?.removeEventListener('abort', abortBody)
          if (!response.complete) fail(new TypeError('terminated', { cause: new Error('other side closed') }))
        })
        response.on('error', (error) => fail(new TypeError('terminated', { cause: error })))
      },
      pull() {
        response.resume()
      },
      cancel() {
        settled = true
        response.destroy()
      },
    },
    { highWaterMark: 16 },
  )
  return new Response(body, init)
}

function plainHeaders(headers: HeadersInit | undefined): Record<string, string> {
  if (headers === undefined) return {}
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers instanceof Headers ? headers.entries() : headers)
  const plain: Record<string, string> = {}
  // The SDK leaves unset headers as undefined.
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) plain[name] = String(value)
  return plain
}

function requestBody(body: BodyInit | null | undefined): string | Uint8Array | undefined {
  if (body === null || body === undefined) return undefined
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  // FormData, Blob and streams are only sent by SDK calls Porch does not make (transcription, files).
  throw new TypeError(`providerFetch cannot send a ${Object.prototype.toString.call(body)} body`)
}
