/**
 * What the chat compat APIs (Auto Agents, OpenAI) make of a Porch run: its reply text, token
 * usage and outcome, whole or as a stream of `data:` chunks. Tool calls stay inside the host;
 * compat callers see only text. Each turn's text is kept and turns are joined by a blank line,
 * so a streamed reply concatenates to exactly the text a whole reply carries.
 */
import type { Context } from 'hono'
import type { StreamEvent } from '../../../shared/index.ts'
import { runToSse, type SseOptions } from '../../fast-paths/sse.ts'
import type { Run } from '../../runtime/runs/index.ts'

export type RunFailure = { code: string; message: string }

/** Folds a run's events, one at a time, into the reply a compat caller sees. */
export class ReplyFold {
  traceId = ''
  text = ''
  success = false
  failure: RunFailure | null = null
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

/** Waits for the run to end and returns its folded reply. */
export function collectReply(run: Run, signal: AbortSignal): Promise<ReplyFold> {
  return new Promise((resolve) => {
    const fold = new ReplyFold()
    const detach = run.attach(0, {
      onEvent: ({ event }) => void fold.add(event),
      onEnd: () => {
        signal.removeEventListener('abort', detach)
        fold.close()
        resolve(fold)
      },
    })
    signal.addEventListener('abort', detach, { once: true })
  })
}

/** The end-of-stream sentinel OpenAI-style clients wait for; written as is, not as JSON. */
export const DONE = '[DONE]'

export type ChunkRenderer = {
  /** The chunk that carries a piece of reply text. */
  text(piece: string, fold: ReplyFold): unknown
  /** The chunks that close the stream (after `fold.close()`): a final chunk and DONE, or an error chunk. */
  end(fold: ReplyFold): unknown[]
}

const frame = (payload: unknown) => `data: ${payload === DONE ? DONE : JSON.stringify(payload)}\n\n`

/**
 * The run as an SSE response of `data:` chunks only (no `id:` or `event:` lines, which
 * OpenAI-style clients do not expect), with a `: ping` comment every heartbeat.
 */
export function streamReply(c: Context, run: Run, render: ChunkRenderer, options: SseOptions): Response {
  const fold = new ReplyFold()
  return runToSse(c, run, 0, options, {
    event: ({ event }) => {
      const piece = fold.add(event)
      return piece === '' ? '' : frame(render.text(piece, fold))
    },
    end: () => {
      fold.close()
      return render.end(fold).map(frame).join('')
    },
  })
}
