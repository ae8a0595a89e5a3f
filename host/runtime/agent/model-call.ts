/**
 * The pieces of a model call that the AI SDK's `streamText`/`generateText` did for us, kept
 * small: checking a tool call's input, running it, what the model is shown of its result,
 * retries of a failed request, and one whole reply without tools. The agent loop
 * (run-agent.ts) calls the provider model's `doStream`/`doGenerate` with them directly; our
 * messages and tools become the provider's prompt and tool list in
 * host/fast-paths/provider-prompt.ts, which a test compares with the SDK's own conversion.
 */
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3ToolResultOutput, LanguageModelV3Usage } from '@ai-sdk/provider'
import { APICallError, type LanguageModel, type ToolSet } from 'ai'
import { schemaOf, toProviderPrompt } from '../../fast-paths/provider-prompt.ts'

/** The provider model behind a resolved model reference; Porch's providers all speak V3. */
export function providerModel(model: LanguageModel): LanguageModelV3 {
  if (typeof model === 'string' || model.specificationVersion !== 'v3') throw new Error('The model does not support the V3 provider interface.')
  return model
}

export type ToolCallRequest = { toolCallId: string; toolName: string; input: string }
/** A tool call as it ran: its parsed input, and its output or the error the model is shown. */
export type ToolRun = { toolCallId: string; toolName: string; input: unknown; parsed: boolean; output?: unknown; error?: unknown }

/** Parses a tool call's input against the tool's schema, as the SDK's parseToolCall does; an invalid call is an error result. */
export async function parseToolCall(tools: ToolSet, call: ToolCallRequest): Promise<ToolRun> {
  const { toolCallId, toolName } = call
  const tool = tools[toolName]
  let raw: unknown = call.input
  try {
    raw = call.input.trim() === '' ? {} : JSON.parse(call.input)
  } catch (error) {
    return {
      toolCallId,
      toolName,
      input: call.input,
      parsed: false,
      error: new Error(`Invalid input for tool ${toolName}: JSON parsing failed: ${errorText(error)}`),
    }
  }
  if (!tool) {
    return {
      toolCallId,
      toolName,
      input: raw,
      parsed: false,
      error: new Error(`Model tried to call unavailable tool '${toolName}'. Available tools: ${Object.keys(tools).join(', ')}.`),
    }
  }
  const validate = schemaOf(tool.inputSchema).validate
  if (!validate) return { toolCallId, toolName, input: raw, parsed: true }
  const result = await validate(raw)
  if (!result.success)
    return { toolCallId, toolName, input: raw, parsed: false, error: new Error(`Invalid input for tool ${toolName}: ${errorText(result.error)}`) }
  return { toolCallId, toolName, input: result.value, parsed: true }
}

/** Runs a parsed tool call; a throw becomes its error result. */
export async function executeTool(tools: ToolSet, run: ToolRun, abortSignal: AbortSignal): Promise<ToolRun> {
  if (!run.parsed) return run
  try {
    const output = await tools[run.toolName]!.execute!(run.input as never, { toolCallId: run.toolCallId, messages: [], abortSignal })
    return { ...run, output }
  } catch (error) {
    return { ...run, error }
  }
}

/** What the model is shown of a tool run in the next call. */
export function toolOutput(run: ToolRun): LanguageModelV3ToolResultOutput {
  if ('error' in run) return { type: 'error-text', value: errorText(run.error) }
  return typeof run.output === 'string' ? { type: 'text', value: run.output } : { type: 'json', value: (run.output ?? null) as never }
}

/**
 * Calls `request` again after a retryable provider failure (HTTP 408/409/429/5xx: the
 * APICallError's isRetryable), up to `maxRetries` times with exponential backoff from 2 s, or
 * the provider's retry-after, as the SDK did. The last error is thrown as it is, so a 429 stays
 * a 429 for the visitor's message.
 */
export async function withRetries<T>(request: () => PromiseLike<T>, maxRetries: number, signal: AbortSignal): Promise<T> {
  for (let attempt = 0, delayMs = 2000; ; attempt += 1, delayMs *= 2) {
    try {
      return await request()
    } catch (error) {
      if (attempt >= maxRetries || signal.aborted || !(APICallError.isInstance(error) && error.isRetryable)) throw error
      await sleep(retryDelay(error, delayMs), signal)
    }
  }
}

function retryDelay(error: APICallError, backoffMs: number): number {
  const headers = error.responseHeaders ?? {}
  let ms = Number.parseFloat(headers['retry-after-ms'] ?? '')
  if (Number.isNaN(ms) && headers['retry-after']) {
    const seconds = Number.parseFloat(headers['retry-after'])
    ms = Number.isNaN(seconds) ? Date.parse(headers['retry-after']) - Date.now() : seconds * 1000
  }
  return !Number.isNaN(ms) && ms >= 0 && (ms < 60_000 || ms < backoffMs) ? ms : backoffMs
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', aborted)
    }
    const aborted = () => {
      done()
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      done()
      resolve()
    }, ms)
    signal.addEventListener('abort', aborted, { once: true })
  })
}

export const tokensOf = (usage: LanguageModelV3Usage) => ({ input: usage.inputTokens.total, output: usage.outputTokens.total })

/** One whole reply without tools (compression's summary): its text and usage. */
export async function generateOnce(
  model: LanguageModel,
  options: Omit<LanguageModelV3CallOptions, 'prompt' | 'abortSignal'> & { system: string; prompt: string; abortSignal: AbortSignal; maxRetries: number },
): Promise<{ text: string; inputTokens: number; outputTokens: number }> {
  const { system, prompt, maxRetries, ...call } = options
  const provider = providerModel(model)
  const result = await withRetries(
    () => provider.doGenerate({ ...call, prompt: toProviderPrompt(system, [{ role: 'user', content: prompt }]) }),
    maxRetries,
    options.abortSignal,
  )
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
  const tokens = tokensOf(result.usage)
  return { text, inputTokens: tokens.input ?? 0, outputTokens: tokens.output ?? 0 }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? 'unknown error')
}
