/**
 * One chat request through the agent loop: the model is called, the tools it asks for run,
 * and it is called again with their results, up to the version's `max_turns` (a turn is one
 * model call). Everything the visitor should see is handed to `emit` as it happens; the
 * messages the run produced come back at the end, whole, for the caller to store.
 */
import { APICallError, stepCountIs, streamText, type LanguageModel } from 'ai'
import type { AgentConfig, ContentBlock, Message, MessageStatus, StreamEvent, ToolResultBlock } from '../../shared/index.ts'
import type { ToolCallTrace } from '../store/store.ts'
import { toModelMessages } from './history.ts'
import { toolsFor } from './tools.ts'

/** Events the loop itself produces; run_started, complete and trace_saved belong to the caller. */
export type TurnEvent = Extract<StreamEvent, { event_type: 'turn_start' | 'text_delta' | 'tool_call' | 'tool_result' }>

export type AgentRunInput = {
  model: LanguageModel
  config: AgentConfig
  history: Message[]
  request: string
  signal: AbortSignal
  emit: (event: TurnEvent) => void
  maxRetries?: number
}

export type RunFailure = { code: string; message: string; detail: string }

export type AgentRunResult = {
  status: 'success' | 'error' | 'cancelled'
  /** What the run produced after the visitor's message, in order. */
  messages: { role: Message['role']; content: ContentBlock[]; status: MessageStatus }[]
  answer: string
  turns: number
  inputTokens: number
  outputTokens: number
  toolCalls: ToolCallTrace[]
  firstTokenMs: number | null
  failure: RunFailure | null
}

export async function runAgent(input: AgentRunInput): Promise<AgentRunResult> {
  const { config, emit, signal } = input
  const startedAt = performance.now()
  const produced: { role: Message['role']; content: ContentBlock[] }[] = []
  const toolCalls: ToolCallTrace[] = []
  const toolStarts = new Map<string, number>()
  let turn = 0
  let turnBlocks: ContentBlock[] = []
  let turnResults: ToolResultBlock[] = []
  let turnText = ''
  let lastTurnText = ''
  let firstTokenMs: number | null = null
  let inputTokens = 0
  let outputTokens = 0
  let failure: RunFailure | null = null
  let cancelled = false

  const closeTurn = () => {
    if (turnBlocks.length > 0) produced.push({ role: 'assistant', content: turnBlocks })
    if (turnResults.length > 0) produced.push({ role: 'user', content: turnResults })
    if (turnText !== '') lastTurnText = turnText
    turnBlocks = []
    turnResults = []
    turnText = ''
  }

  const appendText = (text: string) => {
    const last = turnBlocks.at(-1)
    if (last?.type === 'text') last.text += text
    else turnBlocks.push({ type: 'text', text })
    turnText += text
  }

  const recordToolResult = (id: string, name: string, toolInput: unknown, result: string, isError: boolean) => {
    turnResults.push({ type: 'tool_result', tool_use_id: id, content: result, ...(isError && { is_error: true }) })
    const started = toolStarts.get(id)
    toolCalls.push({ tool_call_id: id, tool_name: name, turn, is_error: isError, duration_ms: started === undefined ? null : round(performance.now() - started) })
    emit({ event_type: 'tool_result', turn, tool_call_id: id, tool_name: name, tool_input: toolInput, tool_result: result, is_error: isError })
  }

  try {
    const result = streamText({
      model: input.model,
      system: config.instructions || undefined,
      messages: [...toModelMessages(input.history), { role: 'user', content: input.request }],
      tools: toolsFor(config.tools),
      stopWhen: stepCountIs(config.max_turns),
      temperature: config.temperature,
      maxRetries: input.maxRetries ?? 2,
      abortSignal: signal,
      // Failures arrive as `error` parts below; the default handler would print them to the console.
      onError: () => {},
    })

    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'start-step':
          turn += 1
          emit({ event_type: 'turn_start', turn, max_turns: config.max_turns })
          break
        case 'text-delta':
          if (part.text === '') break
          firstTokenMs ??= round(performance.now() - startedAt)
          appendText(part.text)
          emit({ event_type: 'text_delta', turn, text: part.text })
          break
        case 'tool-call':
          toolStarts.set(part.toolCallId, performance.now())
          turnBlocks.push({ type: 'tool_use', id: part.toolCallId, name: part.toolName, input: part.input })
          emit({ event_type: 'tool_call', turn, tool_call_id: part.toolCallId, tool_name: part.toolName, tool_input: part.input })
          break
        case 'tool-result':
          recordToolResult(part.toolCallId, part.toolName, part.input, stringify(part.output), false)
          break
        case 'tool-error':
          recordToolResult(part.toolCallId, part.toolName, part.input, errorText(part.error), true)
          break
        case 'finish-step':
          inputTokens += part.usage.inputTokens ?? 0
          outputTokens += part.usage.outputTokens ?? 0
          closeTurn()
          break
        case 'abort':
          cancelled = true
          break
        case 'error':
          if (signal.aborted) cancelled = true
          else failure ??= describeFailure(part.error)
          break
      }
    }
  } catch (error) {
    if (signal.aborted) cancelled = true
    else failure ??= describeFailure(error)
  }
  closeTurn()

  const status: AgentRunResult['status'] = cancelled ? 'cancelled' : failure ? 'error' : 'success'
  const messageStatus: MessageStatus = status === 'success' ? 'complete' : status
  return {
    status,
    messages: produced.map((message) => ({ ...message, status: messageStatus })),
    answer: lastTurnText,
    turns: turn,
    inputTokens,
    outputTokens,
    toolCalls,
    firstTokenMs,
    failure: cancelled ? { code: 'cancelled', message: 'The run was cancelled.', detail: 'cancelled by the client' } : failure,
  }
}

/** What the visitor is told stays generic; the owner's trace gets the provider's own words. */
function describeFailure(error: unknown): RunFailure {
  const detail = errorText(error).slice(0, 1000)
  if (APICallError.isInstance(error)) {
    const status = error.statusCode
    if (status === 429) return { code: 'model_rate_limited', message: 'The model is busy right now. Please try again in a moment.', detail }
    return { code: 'model_error', message: `The model could not answer${status ? ` (its provider returned HTTP ${status})` : ''}.`, detail }
  }
  if (error instanceof Error && error.name === 'ModelUnavailableError') return { code: 'model_unavailable', message: error.message, detail }
  return { code: 'model_error', message: 'The model could not answer.', detail }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : JSON.stringify(error) ?? 'unknown error'
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? ''
}

const round = (ms: number) => Math.round(ms * 100) / 100
