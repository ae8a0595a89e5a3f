/**
 * One chat request through the agent loop: the model is called, the tools it asks for run,
 * and it is called again with their results, up to the version's `max_turns` (a turn is one
 * model call). A streaming run forwards every token as it comes; a one-reply run (the sync
 * API) asks the provider for whole replies, which costs far less per answer. Both report
 * through a TurnRecorder, so they emit the same events and store the same messages.
 */
import { APICallError, generateText, stepCountIs, streamText, type LanguageModel, type ModelMessage, type ToolSet } from 'ai'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { AgentConfig, Message, MessageStatus } from '../../shared/index.ts'
import type { ToolCallTrace } from '../store/store.ts'
import { systemPrompt, type Summary } from './compression.ts'
import { toModelMessages, type AttachmentData } from './history.ts'
import { checkOutputFile, type OutputFile, type OutputFileSink, type SavedFile } from './output-files.ts'
import { toolsFor, type ToolContext } from './tools.ts'
import { TurnRecorder, type ProducedMessage, type TurnEvent } from './turn-recorder.ts'

export type { TurnEvent } from './turn-recorder.ts'

export type AgentRunInput = {
  model: LanguageModel
  config: AgentConfig
  /** The messages the model sees before the new one (after the summary, if there is one). */
  history: Message[]
  /** The visitor's new message: its text and attachment blocks. */
  request: Message
  /** Bytes of the attachments in `history` and `request`. */
  attachments?: AttachmentData
  /** What the model is told of the turns before `history`. */
  summary?: Summary | null
  /** Where files that tools hand out are kept, and the visitor's URL for one (null: no download route). */
  files?: { save(file: OutputFile): Promise<SavedFile>; downloadUrl(fileId: string): string | null }
  signal: AbortSignal
  emit: (event: TurnEvent) => void
  /** Stream tokens as they come (SSE), or ask for whole replies (sync). */
  streaming: boolean
  tools: ToolContext
  maxRetries?: number
  /** How long the model may make no progress (no reply, no chunk) before the run fails; none: no limit. */
  modelTimeoutMs?: number
}

export type RunFailure = { code: string; message: string; detail: string }

export type AgentRunResult = {
  status: 'success' | 'error' | 'cancelled'
  /** What the run produced after the visitor's message, in order. */
  messages: (ProducedMessage & { status: MessageStatus })[]
  answer: string
  turns: number
  inputTokens: number
  outputTokens: number
  toolCalls: ToolCallTrace[]
  firstTokenMs: number | null
  failure: RunFailure | null
}

type ModelCall = {
  model: LanguageModel
  system: string | undefined
  messages: ModelMessage[]
  tools: ToolSet
  stopWhen: ReturnType<typeof stepCountIs>
  temperature: number
  maxRetries: number
  abortSignal: AbortSignal
}

export async function runAgent(input: AgentRunInput): Promise<AgentRunResult> {
  const { config, signal } = input
  const recorder = new TurnRecorder(input.emit, config.max_turns)
  const watchdog = silenceWatchdog(input.modelTimeoutMs)
  const call: ModelCall = {
    model: input.model,
    system: systemPrompt(config.instructions, input.summary ?? null),
    messages: toModelMessages([...input.history, input.request], input.attachments),
    tools: toolsFor(config.tools, { ...input.tools, files: input.files && recordingSink(input.files, recorder) }),
    stopWhen: stepCountIs(config.max_turns),
    temperature: config.temperature,
    maxRetries: input.maxRetries ?? 2,
    abortSignal: watchdog ? AbortSignal.any([signal, watchdog.signal]) : signal,
  }

  let failure: RunFailure | null = null
  try {
    failure = input.streaming ? await streamTurns(call, recorder, watchdog) : await generateTurns(call, recorder, watchdog)
  } catch (error) {
    if (!signal.aborted) failure = describeFailure(error)
  }
  watchdog?.stop()
  // The SDK reports our own abort as an abort or a generic error: name the real cause.
  if (watchdog?.fired && !signal.aborted) {
    failure = { code: 'model_timeout', message: 'The model took too long to answer. Please try again.', detail: `the model made no progress for ${input.modelTimeoutMs} ms` }
  }
  recorder.endTurn()

  const cancelled = signal.aborted
  const status: AgentRunResult['status'] = cancelled ? 'cancelled' : failure ? 'error' : 'success'
  const messageStatus: MessageStatus = status === 'success' ? 'complete' : status
  return {
    status,
    messages: recorder.produced.map((message) => ({ ...message, status: messageStatus })),
    answer: recorder.answer,
    turns: recorder.turn,
    inputTokens: recorder.inputTokens,
    outputTokens: recorder.outputTokens,
    toolCalls: recorder.toolCalls,
    firstTokenMs: recorder.firstTokenMs,
    failure: cancelled ? { code: 'cancelled', message: 'The run was cancelled.', detail: 'cancelled by the client' } : failure,
  }
}

/** Files saved through this sink are also written into the turn and announced to the visitor. */
function recordingSink(files: NonNullable<AgentRunInput['files']>, recorder: TurnRecorder): OutputFileSink {
  let saved = 0
  return {
    async save(file) {
      checkOutputFile(file, saved)
      saved += 1
      const record = await files.save(file)
      recorder.outputFile(record, files.downloadUrl(record.fileId))
      return record
    },
  }
}

async function streamTurns(call: ModelCall, recorder: TurnRecorder, watchdog: Watchdog | null): Promise<RunFailure | null> {
  // Failures arrive as `error` parts; the default onError would also print them to the console.
  const result = streamText({ ...call, onError: () => {} })
  let failure: RunFailure | null = null
  let firstTokenOut = false
  for await (const part of result.fullStream) {
    watchdog?.progress()
    switch (part.type) {
      case 'start-step':
        recorder.startTurn()
        break
      case 'text-delta':
        recorder.text(part.text)
        if (!firstTokenOut) {
          firstTokenOut = true
          // A burst of tokens read at once is worked through in one chain of promises, and the
          // socket writes only after it; one turn of the event loop sends the first token now.
          await yieldToEventLoop()
        }
        break
      case 'tool-call':
        recorder.toolCall(part.toolCallId, part.toolName, part.input)
        break
      case 'tool-result':
        recorder.toolResult(part.toolCallId, part.toolName, part.input, stringify(part.output), false)
        break
      case 'tool-error':
        recorder.toolResult(part.toolCallId, part.toolName, part.input, errorText(part.error), true)
        break
      case 'finish-step':
        recorder.usage(part.usage.inputTokens, part.usage.outputTokens)
        recorder.endTurn()
        break
      case 'error':
        if (!call.abortSignal.aborted) failure ??= describeFailure(part.error)
        break
    }
  }
  return failure
}

async function generateTurns(call: ModelCall, recorder: TurnRecorder, watchdog: Watchdog | null): Promise<RunFailure | null> {
  const result = await generateText({ ...call, onStepFinish: () => watchdog?.progress() })
  for (const step of result.steps) {
    recorder.startTurn()
    for (const part of step.content) {
      if (part.type === 'text') recorder.text(part.text)
      else if (part.type === 'tool-call') recorder.toolCall(part.toolCallId, part.toolName, part.input)
      else if (part.type === 'tool-result') recorder.toolResult(part.toolCallId, part.toolName, part.input, stringify(part.output), false)
      else if (part.type === 'tool-error') recorder.toolResult(part.toolCallId, part.toolName, part.input, errorText(part.error), true)
    }
    recorder.usage(step.usage.inputTokens, step.usage.outputTokens)
    recorder.endTurn()
  }
  return null
}

type Watchdog = NonNullable<ReturnType<typeof silenceWatchdog>>

/**
 * Aborts the model call when it makes no progress for `ms`: a provider that accepts the request
 * and then says nothing would otherwise hold the visitor (and the run) forever. The SDK's own
 * chunk timeout starts only at the first chunk, and its step timeout would cut long answers.
 */
function silenceWatchdog(ms: number | undefined) {
  if (ms === undefined) return null
  const controller = new AbortController()
  const fire = () => controller.abort(new DOMException(`no progress for ${ms} ms`, 'TimeoutError'))
  let timer = setTimeout(fire, ms)
  return {
    signal: controller.signal,
    get fired() {
      return controller.signal.aborted
    },
    progress() {
      clearTimeout(timer)
      if (!controller.signal.aborted) timer = setTimeout(fire, ms)
    },
    stop: () => clearTimeout(timer),
  }
}

/** What the visitor is told stays generic; the owner's trace gets the provider's own words. */
function describeFailure(error: unknown): RunFailure {
  const detail = errorText(error).slice(0, 1000)
  if (APICallError.isInstance(error)) {
    const status = error.statusCode
    if (status === 429) return { code: 'model_rate_limited', message: 'The model is busy right now. Please try again in a moment.', detail }
    return { code: 'model_error', message: `The model could not answer${status && status >= 400 ? ` (its provider returned HTTP ${status})` : ''}.`, detail }
  }
  return { code: 'model_error', message: 'The model could not answer.', detail }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? 'unknown error')
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
}
