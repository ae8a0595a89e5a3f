/**
 * One chat request through the agent loop: the model is called, the tools it asks for run,
 * and it is called again with their results, up to the version's `max_turns` (a turn is one
 * model call). A streaming run forwards every token as it comes; a one-reply run (the sync
 * API) asks the provider for whole replies, which costs far less per answer. Both report
 * through a TurnRecorder, so they emit the same events and store the same messages.
 */

import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Message, LanguageModelV3Prompt } from '@ai-sdk/provider'
import { APICallError, type LanguageModel, type ToolSet } from 'ai'
import type { AgentConfig, AnswerSource, Message, MessageStatus } from '../../../shared/index.ts'
import { providerTools, toProviderPrompt } from '../../fast-paths/provider-prompt.ts'
import type { ToolCallTrace } from '../../store/store.ts'
import {
  checkOutputFile,
  type KnowledgeSearch,
  knowledgeInstructions,
  knowledgeTool,
  knowledgeToolName,
  type OutputFile,
  type OutputFileSink,
  type SavedFile,
  SourceList,
  type ToolContext,
  toolsFor,
} from '../tools/index.ts'
import { type Summary, systemPrompt } from './compression.ts'
import { type AttachmentData, toModelMessages } from './history.ts'
import { errorText, executeTool, parseToolCall, providerModel, type ToolRun, tokensOf, toolOutput, withRetries } from './model-call.ts'
import { type ProducedMessage, type TurnEvent, TurnRecorder } from './turn-recorder.ts'
import { type VerifiedUser, visitorSystemBlock } from './visitor.ts'

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
  /** Searches the version's knowledge; absent when it has none (no search tool, no instructions line). */
  knowledge?: KnowledgeSearch
  /** The verified visitor (signed visitor identity): told to the model in a system message of its own. */
  visitor?: VerifiedUser | null
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
  /** The distinct knowledge sources the run's searches returned, numbered as the model saw them. */
  sources: AnswerSource[]
  firstTokenMs: number | null
  failure: RunFailure | null
}

/** What every model call of a run shares; `prompt` grows by each turn's messages. */
type ModelCall = {
  model: LanguageModelV3
  options: LanguageModelV3CallOptions
  tools: ToolSet
  maxRetries: number
  /** The visitor's cancel: tools stop with it, the model call also with the watchdog. */
  signal: AbortSignal
  watchdog: Watchdog | null
}

/** The visitor's system message right after the owner's (or first, when there is none), never inside it. */
function withVisitor(prompt: LanguageModelV3Prompt, visitor: VerifiedUser | null): LanguageModelV3Prompt {
  if (!visitor) return prompt
  const at = prompt[0]?.role === 'system' ? 1 : 0
  return [...prompt.slice(0, at), { role: 'system', content: visitorSystemBlock(visitor) }, ...prompt.slice(at)]
}

export async function runAgent(input: AgentRunInput): Promise<AgentRunResult> {
  const { config, signal } = input
  const recorder = new TurnRecorder(input.emit, config.max_turns)
  const watchdog = silenceWatchdog(input.modelTimeoutMs, signal)

  const sources = new SourceList()
  let failure: RunFailure | null = null
  try {
    const tools = toolsFor(config.tools, { ...input.tools, files: input.files && recordingSink(input.files, recorder) })
    let instructions = config.instructions
    if (input.knowledge) {
      const name = knowledgeToolName((taken) => taken in tools)
      tools[name] = knowledgeTool(input.knowledge, sources)
      instructions = [config.instructions, knowledgeInstructions(name)].filter(Boolean).join('\n\n')
    }
    const providerToolList = await providerTools(tools)
    const call: ModelCall = {
      model: providerModel(input.model),
      options: {
        prompt: withVisitor(
          toProviderPrompt(systemPrompt(instructions, input.summary ?? null), toModelMessages([...input.history, input.request], input.attachments)),
          input.visitor ?? null,
        ),
        tools: providerToolList,
        toolChoice: providerToolList && { type: 'auto' },
        temperature: config.temperature,
        abortSignal: watchdog?.signal ?? signal,
      },
      tools,
      maxRetries: input.maxRetries ?? 2,
      signal,
      watchdog,
    }
    for (let turn = 0; turn < config.max_turns && failure === null; turn += 1) {
      const step = input.streaming ? await streamTurn(call, recorder) : await generateTurn(call, recorder)
      failure = step.failure
      if (step.toolRuns.length === 0) break
    }
  } catch (error) {
    if (!signal.aborted) failure = describeFailure(error)
  }
  watchdog?.stop()
  // Our own abort surfaces as an abort or a generic error: name the real cause.
  if (watchdog?.fired && !signal.aborted) {
    failure = {
      code: 'model_timeout',
      message: 'The model took too long to answer. Please try again.',
      detail: `the model made no progress for ${input.modelTimeoutMs} ms`,
    }
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
    sources: sources.sources,
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

type Step = { toolRuns: ToolRun[]; failure: RunFailure | null }

/** One streamed model call: tokens go out as they come, each tool call runs as soon as it is complete. */
async function streamTurn(call: ModelCall, recorder: TurnRecorder): Promise<Step> {
  const { watchdog } = call
  watchdog?.arm()
  const { stream } = await withRetries(() => call.model.doStream(call.options), call.maxRetries, call.signal)
  const reader = stream.getReader()
  const assistant: AssistantContent = []
  const running: Promise<ToolRun>[] = []
  let failure: RunFailure | null = null
  let started = false
  let firstTokenOut = false
  try {
    for (;;) {
      const { done, value: part } = await reader.read()
      if (done) break
      watchdog?.progress()
      if (part.type === 'stream-start') continue
      if (!started) {
        // As streamText did: the turn starts with the provider's first part, not with the request.
        started = true
        recorder.startTurn()
      }
      if (part.type === 'text-delta') {
        if (part.delta === '') continue
        recorder.text(part.delta)
        appendText(assistant, part.delta)
        if (!firstTokenOut) {
          firstTokenOut = true
          // A burst of tokens read at once is worked through in one chain of promises, and the
          // socket writes only after it; one turn of the event loop sends the first token now.
          await yieldToEventLoop()
        }
      } else if (part.type === 'tool-call') {
        if (part.providerExecuted) continue
        const parsed = await parseToolCall(call.tools, part)
        recorder.toolCall(parsed.toolCallId, parsed.toolName, parsed.input)
        assistant.push(toolCallPart(parsed))
        running.push(
          executeTool(call.tools, parsed, call.signal).then((run) => {
            recordResult(recorder, run)
            return run
          }),
        )
      } else if (part.type === 'finish') {
        const tokens = tokensOf(part.usage)
        recorder.usage(tokens.input, tokens.output)
      } else if (part.type === 'error') {
        if (!call.signal.aborted) failure = describeFailure(part.error)
        await reader.cancel().catch(() => {})
        break
      }
    }
  } finally {
    watchdog?.disarm()
    reader.releaseLock()
  }
  const toolRuns = await Promise.all(running)
  if (started) recorder.endTurn()
  appendTurn(call, assistant, toolRuns)
  return { toolRuns: failure ? [] : toolRuns, failure }
}

/** One whole-reply model call (the sync API), then its tool calls. */
async function generateTurn(call: ModelCall, recorder: TurnRecorder): Promise<Step> {
  const { watchdog } = call
  watchdog?.arm()
  const result = await withRetries(() => call.model.doGenerate(call.options), call.maxRetries, call.signal).finally(() => watchdog?.disarm())
  recorder.startTurn()
  const assistant: AssistantContent = []
  const parsedCalls: ToolRun[] = []
  for (const part of result.content) {
    if (part.type === 'text') {
      recorder.text(part.text)
      appendText(assistant, part.text)
    } else if (part.type === 'tool-call' && !part.providerExecuted) {
      const parsed = await parseToolCall(call.tools, part)
      recorder.toolCall(parsed.toolCallId, parsed.toolName, parsed.input)
      assistant.push(toolCallPart(parsed))
      parsedCalls.push(parsed)
    }
  }
  const toolRuns = await Promise.all(parsedCalls.map((parsed) => executeTool(call.tools, parsed, call.signal)))
  for (const run of toolRuns) recordResult(recorder, run)
  const tokens = tokensOf(result.usage)
  recorder.usage(tokens.input, tokens.output)
  recorder.endTurn()
  appendTurn(call, assistant, toolRuns)
  return { toolRuns, failure: null }
}

type AssistantContent = Extract<LanguageModelV3Message, { role: 'assistant' }>['content']

function appendText(content: AssistantContent, text: string): void {
  if (text === '') return
  const last = content.at(-1)
  if (last?.type === 'text') last.text += text
  else content.push({ type: 'text', text })
}

/** An invalid call's input goes back as the SDK sent it: an object, or {} when it was not one. */
const toolCallPart = (run: ToolRun) => ({
  type: 'tool-call' as const,
  toolCallId: run.toolCallId,
  toolName: run.toolName,
  input: run.parsed || (typeof run.input === 'object' && run.input !== null) ? run.input : {},
})

function recordResult(recorder: TurnRecorder, run: ToolRun): void {
  if ('error' in run) recorder.toolResult(run.toolCallId, run.toolName, run.input, errorText(run.error), true)
  else recorder.toolResult(run.toolCallId, run.toolName, run.input, stringify(run.output), false)
}

/** The turn's assistant message and its tool results, for the next call's prompt. */
function appendTurn(call: ModelCall, assistant: AssistantContent, toolRuns: ToolRun[]): void {
  if (assistant.length > 0) call.options.prompt.push({ role: 'assistant', content: assistant })
  if (toolRuns.length > 0) {
    call.options.prompt.push({
      role: 'tool',
      content: toolRuns.map((run) => ({ type: 'tool-result', toolCallId: run.toolCallId, toolName: run.toolName, output: toolOutput(run) })),
    })
  }
}

type Watchdog = NonNullable<ReturnType<typeof silenceWatchdog>>

/**
 * Aborts the model call when it makes no progress for `ms`: a provider that accepts the request
 * and then says nothing would otherwise hold the visitor (and the run) forever. It runs only
 * while a model call is open (armed), so a slow tool is not the model's silence. Its signal also
 * follows the run's (the visitor's cancel).
 *
 * Progress only notes the time; the one timer, when it fires, looks whether the silence has
 * really lasted `ms` and otherwise waits out the rest. Re-arming a timer per token, and
 * AbortSignal.any, were a visible share of a short chat's CPU (BENCHMARKS.md, issue 7).
 */
function silenceWatchdog(ms: number | undefined, runSignal: AbortSignal) {
  if (ms === undefined) return null
  const controller = new AbortController()
  let fired = false
  let armed = false
  let lastProgress = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const check = () => {
    timer = undefined
    if (!armed || controller.signal.aborted) return
    const quietMs = performance.now() - lastProgress
    if (quietMs < ms) {
      timer = setTimeout(check, ms - quietMs)
      return
    }
    fired = true
    controller.abort(new DOMException(`no progress for ${ms} ms`, 'TimeoutError'))
  }
  const followRun = () => controller.abort(runSignal.reason)
  if (runSignal.aborted) followRun()
  else runSignal.addEventListener('abort', followRun, { once: true })
  const disarm = () => {
    armed = false
    clearTimeout(timer)
    timer = undefined
  }
  return {
    signal: controller.signal,
    get fired() {
      return fired
    },
    arm() {
      armed = true
      lastProgress = performance.now()
      timer ??= setTimeout(check, ms)
    },
    progress() {
      lastProgress = performance.now()
    },
    disarm,
    stop() {
      disarm()
      runSignal.removeEventListener('abort', followRun)
    },
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

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
}
