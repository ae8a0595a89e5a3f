/**
 * A streamed OpenAI-compatible chat completion read with one SSE parser over the `node:http`
 * response, yielding the same LanguageModelV3 parts as `@ai-sdk/openai`'s chat model's
 * `doStream` in one ReadableStream.
 *
 * Why: the SDK reads the body through a web Response and four stream stages (text decoder,
 * event-source parser, JSON validation, a tee to look for an error before output, its part
 * transform): 8 ReadableStreams, 4 WritableStreams and 4 TransformStreams per run, ~75 kB live
 * per open stream and most of the host's memory at 10,000 streams (BENCHMARKS.md, floor).
 *
 * What stays the SDK's: the request (built by the model's own `getArgs`, sent by the SDK's
 * `postJsonToApi` with the OpenAI error handler, so a non-2xx answer is the same APICallError),
 * `doGenerate`, and the tool-call accumulation (`StreamingToolCallTracker`). What is ours: the
 * parse of each chunk (the SDK's chunk schema, checked synchronously), the check for an error
 * before output, and the part conversion, each a copy of the SDK's (dist/index.mjs,
 * `OpenAIChatLanguageModel.doStream`); openai-chat-stream.test.ts replays recorded bodies through
 * both and compares every part and error.
 */
import type { IncomingMessage } from 'node:http'
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider'
import { APICallError, JSONParseError, TypeValidationError } from 'ai'
import { createParser } from 'eventsource-parser'
import { z } from 'zod'
import { chatStreamRequest, providerUtils } from './openai-sdk.ts'

const { extractResponseHeaders, generateId, isAbortError, postJsonToApi, secureJsonParse, StreamingToolCallTracker } = providerUtils

/**
 * How the fast path reaches the `node:http` response (host/runtime/providers/provider-fetch.ts):
 * `fetch` answers a 2xx without a body, `rawBodyOf` gives its response unread; `sdkFetch` is the
 * fetch the SDK's models are given, so a model given another keeps the SDK's own doStream.
 */
export type RawBodyTransport = { sdkFetch: typeof fetch; fetch: typeof fetch; rawBodyOf(response: Response): IncomingMessage | undefined }

/** The SDK's chat model with `doStream` read by the fast path; `doGenerate` stays the SDK's. */
export function withFastChatStream(model: LanguageModelV3, transport: RawBodyTransport): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) => model.doGenerate(options),
    doStream: (options) => streamChat(model, options, transport),
  }
}

/** The fast path's `doStream`: the SDK's `OpenAIChatLanguageModel.doStream`, read with one parser. */
export async function streamChat(model: LanguageModelV3, options: LanguageModelV3CallOptions, transport: RawBodyTransport) {
  const request = await chatStreamRequest(model, options)
  if (request.fetch !== transport.sdkFetch) return model.doStream(options)
  const { url, body } = request
  const { value: response, responseHeaders } = await postJsonToApi({
    url,
    headers: request.headers,
    body,
    failedResponseHandler: openaiFailedResponseHandler,
    successfulResponseHandler: async ({ response }) => {
      const raw = transport.rawBodyOf(response)
      if (!raw) throw new Error('providerFetch answered without its node:http response')
      return { value: raw, responseHeaders: extractResponseHeaders(response) }
    },
    abortSignal: options.abortSignal,
    fetch: transport.fetch,
  })
  const context = { url, requestBodyValues: body, responseHeaders, statusCode: response.statusCode ?? 200 }
  const stream = await readParts(response, context, request.warnings, options)
  return { stream, request: { body }, response: { headers: responseHeaders } }
}

/** Parts held for a slow reader before the socket is paused. */
const HIGH_WATER_MARK = 16

type ReadContext = { url: string; requestBodyValues: unknown; responseHeaders: Record<string, string> | undefined; statusCode: number }
type ParsedChunk = { success: true; value: OpenAIChatChunk; rawValue: unknown } | { success: false; error: Error; rawValue: unknown }

/**
 * Resolves with the part stream once the body shows output (or a malformed chunk, or its end),
 * or rejects with the provider's error when an error chunk comes first, as the SDK's
 * `throwIfOpenAIStreamErrorBeforeOutput` does; the chunks read until then are kept, not lost.
 */
function readParts(
  response: IncomingMessage,
  context: ReadContext,
  warnings: SharedV3Warning[],
  options: LanguageModelV3CallOptions,
): Promise<ReadableStream<LanguageModelV3StreamPart>> {
  const signal = options.abortSignal
  return new Promise((resolve, reject) => {
    let controller!: ReadableStreamDefaultController<LanguageModelV3StreamPart>
    const stream = new ReadableStream<LanguageModelV3StreamPart>(
      {
        start(c) {
          controller = c
        },
        pull() {
          if (refused && controller.desiredSize === HIGH_WATER_MARK) return controller.error(refused.error)
          response.resume()
        },
        cancel() {
          settle()
          response.destroy()
        },
      },
      { highWaterMark: HIGH_WATER_MARK },
    )
    const parts = partConverter(warnings, options.includeRawChunks === true, (part) => controller.enqueue(part))
    // Chunks read while looking for an error before the first output; null once the stream is handed out.
    let early: ParsedChunk[] | null = []
    let settled = false

    const handOut = () => {
      const chunks = early!
      early = null
      resolve(stream)
      for (const chunk of chunks) convert(chunk)
    }
    // A chunk the conversion refuses (a tool call without a name) errors the stream with that
    // error, as a throw in the SDK's TransformStream does, once the parts before it are read (the
    // SDK's reader has them by then: its chunks come one by one, ours may come in a batch).
    let refused: { error: unknown } | undefined
    const convert = (chunk: ParsedChunk) => {
      if (settled) return
      try {
        parts.chunk(chunk)
      } catch (error) {
        settle()
        response.destroy()
        refused = { error }
        if (controller.desiredSize === HIGH_WATER_MARK) controller.error(error)
      }
    }
    const onChunk = (chunk: ParsedChunk) => {
      if (settled) return
      if (early === null) return convert(chunk)
      early.push(chunk)
      if (!chunk.success) return handOut()
      if ('error' in chunk.value) {
        settle()
        response.destroy()
        return reject(streamErrorBeforeOutput(chunk.value.error, context))
      }
      if (isOutputChunk(chunk.value)) handOut()
    }
    const settle = () => {
      settled = true
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (error: unknown) => {
      if (settled) return
      settle()
      const wrapped = bodyError(error, context)
      if (early !== null) reject(wrapped)
      else controller.error(wrapped)
    }
    const onAbort = () => {
      fail(signal!.reason)
      response.destroy()
    }

    const decoder = new TextDecoder()
    const parser = createParser({
      onEvent: ({ data }) => {
        if (data !== '[DONE]') onChunk(parseChunk(data))
      },
    })
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    response.on('data', (bytes: Buffer) => {
      if (settled) return
      parser.feed(decoder.decode(bytes, { stream: true }))
      // Backpressure once the stream is handed out: stop reading the socket until the reader pulls.
      if (early === null && !settled && (controller.desiredSize ?? 1) <= 0) response.pause()
    })
    response.on('end', () => {
      if (settled) return
      parser.feed(decoder.decode())
      if (settled) return
      if (early !== null) handOut()
      if (settled) return
      settle()
      try {
        parts.flush()
        controller.close()
      } catch (error) {
        controller.error(error)
      }
    })
    // A connection closed before the end of the body, as the global fetch reports it.
    response.on('close', () => {
      if (!response.complete) fail(new TypeError('terminated', { cause: new Error('other side closed') }))
    })
    response.on('error', (error) => fail(new TypeError('terminated', { cause: error })))
  })
}

/** A chunk as the SDK's `safeParseJSON` with the chunk schema gives it, checked synchronously (the schema has no async parts). */
function parseChunk(text: string): ParsedChunk {
  let value: unknown
  try {
    value = secureJsonParse(text)
  } catch (error) {
    return { success: false, error: JSONParseError.isInstance(error) ? error : new JSONParseError({ text, cause: error }), rawValue: undefined }
  }
  try {
    const result = openaiChatChunkSchema.safeParse(value)
    if (result.success) return { success: true, value: result.data, rawValue: value }
    return { success: false, error: TypeValidationError.wrap({ value, cause: result.error }), rawValue: value }
  } catch (error) {
    return { success: false, error: TypeValidationError.wrap({ value, cause: error }), rawValue: value }
  }
}

/** The SDK's part transform (`OpenAIChatLanguageModel.doStream`'s TransformStream), over a plain `enqueue`. */
function partConverter(warnings: SharedV3Warning[], includeRawChunks: boolean, enqueue: (part: LanguageModelV3StreamPart) => void) {
  const toolCalls = new StreamingToolCallTracker({ enqueue }, { generateId, typeValidation: 'if-present' })
  let finishReason: LanguageModelV3FinishReason = { unified: 'other', raw: undefined }
  let usage: OpenAIChatUsage | undefined
  let metadataExtracted = false
  let isActiveText = false
  let hasRefusal = false
  let rawFinishReason: string | undefined
  let hasLogprobs = false
  const streamedLogprobs: unknown[] = []
  const providerMetadata: { openai: Record<string, unknown> } = { openai: {} }
  enqueue({ type: 'stream-start', warnings })

  return {
    chunk(chunk: ParsedChunk) {
      if (includeRawChunks) enqueue({ type: 'raw', rawValue: chunk.rawValue })
      if (!chunk.success) {
        finishReason = { unified: 'error', raw: undefined }
        rawFinishReason = undefined
        enqueue({ type: 'error', error: chunk.error })
        return
      }
      const value = chunk.value
      if ('error' in value) {
        finishReason = { unified: 'error', raw: undefined }
        rawFinishReason = undefined
        enqueue({ type: 'error', error: value.error })
        return
      }
      if (!metadataExtracted) {
        const metadata = responseMetadata(value)
        if (Object.values(metadata).some(Boolean)) {
          metadataExtracted = true
          enqueue({ type: 'response-metadata', ...responseMetadata(value) })
        }
      }
      if (value.usage != null) {
        usage = value.usage
        const details = value.usage.completion_tokens_details
        if (details?.accepted_prediction_tokens != null) providerMetadata.openai.acceptedPredictionTokens = details.accepted_prediction_tokens
        if (details?.rejected_prediction_tokens != null) providerMetadata.openai.rejectedPredictionTokens = details.rejected_prediction_tokens
      }
      const choice = value.choices[0]
      if (choice?.finish_reason != null) rawFinishReason = choice.finish_reason
      if (choice?.logprobs != null) {
        const { content, refusal } = choice.logprobs
        if (content != null || refusal != null) {
          hasLogprobs = true
          streamedLogprobs.push(...(content ?? []), ...(refusal ?? []))
        }
      }
      if (choice?.delta == null) return
      const delta = choice.delta
      const textDeltas: string[] = []
      if (delta.content != null && delta.content.length > 0) textDeltas.push(delta.content)
      if (delta.refusal != null && delta.refusal.length > 0) {
        hasRefusal = true
        textDeltas.push(delta.refusal)
      }
      if (textDeltas.length === 0 && delta.content === '') textDeltas.push(delta.content)
      for (const textDelta of textDeltas) {
        if (!isActiveText) {
          enqueue({ type: 'text-start', id: '0' })
          isActiveText = true
        }
        enqueue({ type: 'text-delta', id: '0', delta: textDelta })
      }
      if (delta.tool_calls != null) for (const toolCallDelta of delta.tool_calls) toolCalls.processDelta(toolCallDelta)
      if (delta.annotations != null) {
        for (const annotation of delta.annotations) {
          enqueue({ type: 'source', sourceType: 'url', id: generateId(), url: annotation.url_citation.url, title: annotation.url_citation.title })
        }
      }
    },
    flush() {
      if (isActiveText) enqueue({ type: 'text-end', id: '0' })
      toolCalls.flush()
      if (rawFinishReason != null) finishReason = { unified: mapFinishReason(rawFinishReason, hasRefusal), raw: rawFinishReason }
      if (hasLogprobs) providerMetadata.openai.logprobs = streamedLogprobs
      enqueue({ type: 'finish', finishReason, usage: convertUsage(usage), providerMetadata: providerMetadata as never })
    },
  }
}

function isOutputChunk(chunk: OpenAIChatChunk): boolean {
  if ('error' in chunk) return false
  return chunk.choices.some(({ delta }) => Boolean(delta?.content?.length || delta?.refusal?.length || delta?.tool_calls?.length || delta?.annotations?.length))
}

const responseMetadata = ({ id, model, created }: { id?: string | null; model?: string | null; created?: number | null }) => ({
  id: id ?? undefined,
  modelId: model ?? undefined,
  timestamp: created ? new Date(created * 1000) : undefined,
})

function mapFinishReason(finishReason: string, hasRefusal: boolean): LanguageModelV3FinishReason['unified'] {
  switch (finishReason) {
    case 'stop':
      return hasRefusal ? 'content-filter' : 'stop'
    case 'length':
      return 'length'
    case 'content_filter':
      return 'content-filter'
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls'
    default:
      return 'other'
  }
}

function convertUsage(usage: OpenAIChatUsage | undefined): LanguageModelV3Usage {
  if (usage == null) {
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      raw: undefined,
    }
  }
  const promptTokens = usage.prompt_tokens ?? 0
  const completionTokens = usage.completion_tokens ?? 0
  const cachedTokens = usage.prompt_tokens_details?.cached_tokens ?? 0
  const cacheWriteTokens = usage.prompt_tokens_details?.cache_write_tokens ?? undefined
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens ?? 0
  return {
    inputTokens: {
      total: promptTokens,
      noCache: promptTokens - cachedTokens - (cacheWriteTokens ?? 0),
      cacheRead: cachedTokens,
      cacheWrite: cacheWriteTokens,
    },
    outputTokens: { total: completionTokens, text: Math.max(0, completionTokens - reasoningTokens), reasoning: reasoningTokens },
    raw: usage as never,
  }
}

/**
 * A body that fails after the headers, as the SDK's `wrapResponseBodyStream` and
 * `handleFetchError` report it: an abort as it is, anything else as "Failed to process
 * successful response", retryable when a network error code is in its causes.
 */
function bodyError(error: unknown, context: ReadContext): unknown {
  if (isAbortError(error)) return error
  const { url, requestBodyValues, responseHeaders, statusCode } = context
  const wrapped = new APICallError({ message: 'Failed to process successful response', cause: error, statusCode, url, responseHeaders, requestBodyValues })
  if (!hasNetworkErrorCode(error)) return wrapped
  return new APICallError({ message: wrapped.message, cause: error, url, requestBodyValues, statusCode, responseHeaders, isRetryable: true })
}

const RETRYABLE_NETWORK_ERROR_CODES = new Set([
  'ConnectionRefused',
  'ConnectionClosed',
  'FailedToOpenSocket',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])

function hasNetworkErrorCode(error: unknown): boolean {
  const seen = new Set<unknown>()
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current)
    const code = (current as NodeJS.ErrnoException).code
    if (typeof code === 'string' && RETRYABLE_NETWORK_ERROR_CODES.has(code)) return true
  }
  return false
}

/** The SDK's `createOpenAIStreamError` (src/openai-stream-error.ts): an error chunk before any output. */
function streamErrorBeforeOutput(frame: unknown, context: ReadContext): APICallError {
  const { url, requestBodyValues, responseHeaders } = context
  const streamError = parseStreamError(frame)
  return new APICallError({
    message: streamError?.message ?? 'OpenAI stream failed before any output was generated',
    url,
    requestBodyValues,
    statusCode: streamError == null ? 500 : statusCodeOf(streamError),
    responseHeaders,
    responseBody: JSON.stringify(frame),
    data: frame,
    isRetryable: streamError == null ? true : isRetryableStreamError(streamError, statusCodeOf(streamError)),
  })
}

type StreamError = { message: string; code: string | number | undefined; type: string | undefined }
const asRecord = (value: unknown) => (typeof value === 'object' && value != null ? (value as Record<string, unknown>) : undefined)
const stringOrNumber = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? value : undefined)

function parseStreamError(frame: unknown): StreamError | undefined {
  const value = asRecord(frame)
  if (value == null) return undefined
  if (value.type === 'response.failed') {
    const responseError = asRecord(asRecord(value.response)?.error)
    return typeof responseError?.message === 'string'
      ? { message: responseError.message, code: stringOrNumber(responseError.code), type: 'response.failed' }
      : undefined
  }
  const error = asRecord(value.error) ?? value
  return typeof error.message === 'string' && (asRecord(value.error) != null || typeof error.type === 'string' || 'code' in error || 'param' in error)
    ? { message: error.message, code: stringOrNumber(error.code), type: typeof error.type === 'string' ? error.type : undefined }
    : undefined
}

const isHttpErrorStatus = (value: number) => Number.isInteger(value) && value >= 400 && value <= 599

function statusCodeOf(error: StreamError): number {
  if (typeof error.code === 'number' && isHttpErrorStatus(error.code)) return error.code
  if (typeof error.code === 'string' && /^\d{3}$/.test(error.code) && isHttpErrorStatus(Number(error.code))) return Number(error.code)
  const discriminator = [error.code, error.type]
    .filter((value) => typeof value === 'string' || typeof value === 'number')
    .join(' ')
    .toLowerCase()
  if (['insufficient_quota', 'rate_limit'].some((term) => discriminator.includes(term))) return 429
  if (discriminator.includes('authentication')) return 401
  if (discriminator.includes('permission')) return 403
  if (discriminator.includes('not_found')) return 404
  if (['invalid', 'bad_request', 'context_length'].some((term) => discriminator.includes(term))) return 400
  if (discriminator.includes('overload')) return 503
  if (discriminator.includes('timeout')) return 504
  return 500
}

function isRetryableStreamError(error: StreamError, statusCode: number): boolean {
  if (error.code === 'insufficient_quota' || error.type === 'insufficient_quota') return false
  return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500
}

// The SDK's schemas (src/openai-error.ts, src/chat/openai-chat-api.ts), copied: the package does not export them.
const openaiErrorDataSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().nullish(),
    param: z.any().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
})

const openaiFailedResponseHandler = providerUtils.createJsonErrorResponseHandler({
  errorSchema: providerUtils.zodSchema(openaiErrorDataSchema),
  errorToMessage: (data) => data.error.message,
})

const logprobsSchema = z
  .array(z.object({ token: z.string(), logprob: z.number(), top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number() })) }))
  .nullish()

const openaiChatChunkSchema = z.union([
  z.object({
    id: z.string().nullish(),
    created: z.number().nullish(),
    model: z.string().nullish(),
    choices: z.array(
      z.object({
        delta: z
          .object({
            role: z.enum(['assistant']).nullish(),
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number(),
                  id: z.string().nullish(),
                  type: z.literal('function').nullish(),
                  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }),
                }),
              )
              .nullish(),
            annotations: z
              .array(
                z.object({
                  type: z.literal('url_citation'),
                  url_citation: z.object({ start_index: z.number(), end_index: z.number(), url: z.string(), title: z.string() }),
                }),
              )
              .nullish(),
          })
          .nullish(),
        logprobs: z.object({ content: logprobsSchema, refusal: logprobsSchema }).nullish(),
        finish_reason: z.string().nullish(),
        index: z.number(),
      }),
    ),
    usage: z
      .object({
        prompt_tokens: z.number().nullish(),
        completion_tokens: z.number().nullish(),
        total_tokens: z.number().nullish(),
        prompt_tokens_details: z.object({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
        completion_tokens_details: z
          .object({
            reasoning_tokens: z.number().nullish(),
            accepted_prediction_tokens: z.number().nullish(),
            rejected_prediction_tokens: z.number().nullish(),
          })
          .nullish(),
      })
      .nullish(),
  }),
  openaiErrorDataSchema,
])

type OpenAIChatChunk = z.infer<typeof openaiChatChunkSchema>
type OpenAIChatUsage = NonNullable<Extract<OpenAIChatChunk, { choices: unknown }>['usage']>
