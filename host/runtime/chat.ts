/**
 * Starts (or re-attaches to) a chat run for any entry point: the published API, links, keys and
 * the compat APIs all come through here, so they share one runtime, one persistence path and
 * one resume rule. The run goes on in the background; callers attach to it to stream or wait.
 */
import { randomUUID } from 'node:crypto'
import type { ChatRequest, StreamEvent, SyncReply, SyncStep } from '../../shared/index.ts'
import { ApiError } from '../http/errors.ts'
import { shuttingDown } from '../http/shutting-down.ts'
import type { Logger } from '../log.ts'
import type { PublishedAgent, Store } from '../store/store.ts'
import type { ModelRegistry } from './models.ts'
import { runAgent, type AgentRunResult } from './run-agent.ts'
import type { ToolContext } from './tools.ts'
import { Run, RunRegistry } from './runs.ts'

export type ChatServiceDeps = {
  store: Store
  models: ModelRegistry
  runs: RunRegistry
  log: Logger
  /** How long a run with a client-chosen request_id waits for a dropped client to resume. */
  resumeGraceMs: number
  /** Provider retries before a failure is reported (the AI SDK's maxRetries). */
  modelRetries?: number
  /** How long a model may make no progress before its run fails (model_timeout). */
  modelTimeoutMs?: number
  tools: ToolContext
}

export type StartChat = {
  published: PublishedAgent
  /** `public`, `link:<id>` or `key:<id>`: sessions never cross scopes. */
  scope: string
  request: ChatRequest
  /** Tokens streamed as they come (SSE), or whole replies from the provider (sync APIs). */
  streaming: boolean
  /** Called once before a new run starts (never for a resume): limits and quotas throw to refuse it. */
  admit?: () => Promise<void>
  /** The client's Last-Event-ID: it saw this run before, so it may only re-attach. */
  resumeAfter?: number
}

export type StartedChat = { run: Run; sessionId: string; requestId: string; reattached: boolean }

export type ChatService = {
  start(input: StartChat): Promise<StartedChat>
  /** Cancels a running run at once (the visitor pressed Stop); false when there is none. */
  stop(agentId: string, scope: string, requestId: string): boolean
}

export function createChatService(deps: ChatServiceDeps): ChatService {
  const { store, models, runs, log } = deps

  async function execute(run: Run, input: StartChat, sessionId: string, requestId: string, traceId: string) {
    const { agent, version } = input.published
    const session = { agentId: agent.id, scope: input.scope, sessionId }
    const startedAt = performance.now()
    run.push({ event_type: 'run_started', turn: 0, trace_id: traceId, session_id: sessionId, request_id: requestId })

    let result: AgentRunResult
    try {
      const history = (await store.getMessages(session)).filter((message) => message.status !== 'error')
      result = await runAgent({
        model: models.resolve(version.config.model),
        config: version.config,
        history,
        request: input.request.request,
        signal: run.signal,
        emit: (event) => run.push(event),
        streaming: input.streaming,
        tools: deps.tools,
        maxRetries: deps.modelRetries,
        modelTimeoutMs: deps.modelTimeoutMs,
      })
    } catch (error) {
      // Only an unusable model gets here (runAgent reports model failures itself).
      const message = error instanceof Error && error.name === 'ModelUnavailableError' ? error.message : 'The agent could not start.'
      if (message === 'The agent could not start.') log.error('run failed to start', error)
      result = emptyResult({ code: 'model_unavailable', message, detail: message })
    }

    const status = result.status === 'success' ? 'complete' : result.status
    try {
      await store.finishRun({
        session,
        traceId,
        messages: [{ role: 'user', content: [{ type: 'text', text: input.request.request }], status }, ...result.messages],
        outcome: {
          status: result.status,
          firstTokenMs: result.firstTokenMs,
          totalMs: Math.round((performance.now() - startedAt) * 100) / 100,
          turns: result.turns,
          inputTokens: result.inputTokens,
          outputTokens: result.outputTokens,
          toolCalls: result.toolCalls,
          error: result.failure?.detail ?? null,
        },
      })
    } catch (error) {
      log.error('could not store a finished run', error)
      result = { ...result, status: 'error', failure: { code: 'storage_error', message: 'The answer could not be saved.', detail: 'storage error' } }
    }

    const turn = result.turns
    if (result.failure) run.push({ event_type: 'error', turn, message: result.failure.message, code: result.failure.code })
    run.push({
      event_type: 'complete',
      turn,
      success: result.status === 'success',
      answer: result.answer,
      total_turns: result.turns,
      total_input_tokens: result.inputTokens,
      total_output_tokens: result.outputTokens,
      ...(result.failure && { error: result.failure.message }),
    })
    if (result.failure?.code !== 'storage_error') run.push({ event_type: 'trace_saved', turn, trace_id: traceId })
    run.end()
  }

  return {
    async start(input) {
      const { agent, version } = input.published
      const clientRequestId = input.request.request_id
      const requestId = clientRequestId ?? randomUUID()
      const key = runKey(agent.id, input.scope, requestId)
      const fingerprint = JSON.stringify([input.request.session_id ?? null, input.request.request])

      const existing = clientRequestId === undefined ? undefined : runs.get(key)
      if (existing) {
        if (existing.fingerprint !== fingerprint) {
          throw new ApiError(409, 'request_id_conflict', 'This request_id belongs to a different message; use a new request_id for a new message.')
        }
        const started = existing.events[0]?.event
        const sessionId = started?.event_type === 'run_started' ? started.session_id : (input.request.session_id ?? '')
        return { run: existing, sessionId, requestId, reattached: true }
      }

      if ((input.resumeAfter ?? 0) > 0) {
        throw new ApiError(410, 'run_gone', 'That run is no longer buffered; its messages are in the session history.')
      }
      if (runs.closed) throw shuttingDown()
      await input.admit?.()
      const sessionId = input.request.session_id ?? randomUUID()
      const traceId = randomUUID()
      await store.startTrace({ traceId, agentId: agent.id, version: version.version, sessionId, scope: input.scope, requestId, startedAt: new Date().toISOString() })
      const run = new Run(fingerprint, clientRequestId === undefined ? 0 : deps.resumeGraceMs)
      runs.add(key, run, clientRequestId !== undefined)
      void execute(run, input, sessionId, requestId, traceId).catch((error) => {
        log.error('run crashed', error)
        if (!run.ended) run.end()
      })
      return { run, sessionId, requestId, reattached: false }
    },

    stop(agentId, scope, requestId) {
      const run = runs.get(runKey(agentId, scope, requestId))
      if (!run || run.ended) return false
      run.cancel('stopped by the visitor')
      return true
    },
  }
}

const runKey = (agentId: string, scope: string, requestId: string) => `${agentId}\n${scope}\n${requestId}`

function emptyResult(failure: AgentRunResult['failure']): AgentRunResult {
  return { status: 'error', messages: [], answer: '', turns: 0, inputTokens: 0, outputTokens: 0, toolCalls: [], firstTokenMs: null, failure }
}

/** Waits for a run to end and folds its events into the sync reply. */
export function collectSyncReply(run: Run, sessionId: string, signal: AbortSignal): Promise<SyncReply> {
  return new Promise((resolve) => {
    const events: StreamEvent[] = []
    const detach = run.attach(0, {
      onEvent: ({ event }) => events.push(event),
      onEnd: () => {
        signal.removeEventListener('abort', detach)
        resolve(toSyncReply(events, sessionId))
      },
    })
    signal.addEventListener('abort', detach, { once: true })
  })
}

export function toSyncReply(events: StreamEvent[], sessionId: string): SyncReply {
  const steps: SyncStep[] = []
  let traceId = ''
  let complete: Extract<StreamEvent, { event_type: 'complete' }> | undefined
  for (const event of events) {
    switch (event.event_type) {
      case 'run_started':
        traceId = event.trace_id
        break
      case 'text_delta': {
        const last = steps.at(-1)
        if (last?.role === 'assistant' && last.tool_name === null) last.content += event.text
        else steps.push({ role: 'assistant', content: event.text, tool_name: null, tool_input: null })
        break
      }
      case 'tool_call':
        steps.push({ role: 'assistant', content: '', tool_name: event.tool_name, tool_input: event.tool_input })
        break
      case 'tool_result':
        steps.push({ role: 'tool', content: event.tool_result, tool_name: event.tool_name, tool_input: event.tool_input })
        break
      case 'complete':
        complete = event
        break
    }
  }
  return {
    success: complete?.success ?? false,
    answer: complete?.answer ?? '',
    total_turns: complete?.total_turns ?? 0,
    steps,
    error: complete?.error ?? null,
    trace_id: traceId,
    session_id: sessionId,
  }
}
