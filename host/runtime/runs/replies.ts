/**
 * A run's events folded into the one reply a caller that does not stream gets: the sync API's
 * SyncReply (toSyncReply: every step, tool calls included) and the compat APIs' reply
 * (ReplyFold: text, token usage and outcome only; tool calls stay inside the host). Each
 * turn's text is kept and turns are joined by a blank line, so a compat stream (which folds
 * the same events one at a time, routes/compat/stream-reply.ts) concatenates to exactly the
 * text a whole reply carries.
 */
import type { StreamEvent, SyncReply, SyncStep } from '../../../shared/index.ts'
import type { RunFailure } from '../agent/index.ts'
import type { RunFeed } from './runs.ts'

/** What a caller is told of a failed run (its `detail` is for the trace only). */
export type VisibleFailure = Pick<RunFailure, 'code' | 'message'>

/**
 * Follows `run` from its first event until it ends; the client going away (`signal`) detaches
 * it, and the promise then never settles (nobody is left to answer). A run that has already
 * ended (a re-POST within its retention) replays and ends inside `attach`.
 */
function follow(run: RunFeed, signal: AbortSignal, onEvent: (event: StreamEvent) => void): Promise<void> {
  return new Promise((resolve) => {
    let detach = () => {}
    const stop = () => detach()
    signal.addEventListener('abort', stop, { once: true })
    detach = run.attach(0, {
      onEvent: ({ event }) => onEvent(event),
      onEnd: () => {
        signal.removeEventListener('abort', stop)
        resolve()
      },
    })
  })
}

/** Waits for a run to end and returns every event it sent, in order. */
export async function collectEvents(run: RunFeed, signal: AbortSignal): Promise<StreamEvent[]> {
  const events: StreamEvent[] = []
  await follow(run, signal, (event) => events.push(event))
  return events
}

/** Waits for a run to end and folds its events into the sync reply. */
export async function collectSyncReply(run: RunFeed, sessionId: string, signal: AbortSignal): Promise<SyncReply> {
  const events: StreamEvent[] = []
  await follow(run, signal, (event) => events.push(event))
  return toSyncReply(events, sessionId)
}

export function toSyncReply(events: StreamEvent[], sessionId: string): SyncReply {
  const steps: SyncStep[] = []
  let traceId = ''
  let complete: Extract<StreamEvent, { event_type: 'complete' }> | undefined
  let sources: Extract<StreamEvent, { event_type: 'sources' }>['sources'] | undefined
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
      case 'sources':
        sources = event.sources
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
    ...(sources && { sources }),
  }
}

/** Folds a run's events, one at a time, into the reply a compat caller sees. */
export class ReplyFold {
  traceId = ''
  text = ''
  success = false
  failure: VisibleFailure | null = null
  inputTokens = 0
  outputTokens = 0
  private textTurn: number | null = null

  /** Takes one event; returns the text it adds to the reply ('' when none). */
  add(event: StreamEvent): string {
    switch (event.event_type) {
      case 'run_started':
        this.traceId = event.trace_id
        return ''
      case 'text_delta': {
        if (event.text === '') return ''
        const piece = this.textTurn !== null && this.textTurn !== event.turn ? `\n\n${event.text}` : event.text
        this.textTurn = event.turn
        this.text += piece
        return piece
      }
      case 'error':
        this.failure = { code: event.code, message: event.message }
        return ''
      case 'complete':
        this.success = event.success
        this.inputTokens = event.total_input_tokens
        this.outputTokens = event.total_output_tokens
        if (!event.success) this.failure ??= { code: 'run_failed', message: event.error ?? 'The agent could not answer.' }
        return ''
      default:
        return ''
    }
  }

  /** Called when the run has ended: a run that ended without completing is a failure. */
  close(): void {
    if (!this.success) this.failure ??= { code: 'run_failed', message: 'The agent stopped before it answered.' }
  }

  /** Token counts in the OpenAI naming that both compat APIs use. */
  get usage() {
    return { prompt_tokens: this.inputTokens, completion_tokens: this.outputTokens, total_tokens: this.inputTokens + this.outputTokens }
  }
}

/** Waits for the run to end and returns its folded compat reply. */
export async function collectReply(run: RunFeed, signal: AbortSignal): Promise<ReplyFold> {
  const fold = new ReplyFold()
  await follow(run, signal, (event) => void fold.add(event))
  fold.close()
  return fold
}
