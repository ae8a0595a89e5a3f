/**
 * A run as the chat compat APIs (Auto Agents, OpenAI) stream it: `data:` chunks of reply text,
 * folded one event at a time by the same ReplyFold that makes their whole replies
 * (host/runtime/runs/replies.ts). Tool calls stay inside the host; compat callers see only text.
 */
import type { Context } from 'hono'
import { runToSse, type SseOptions } from '../../fast-paths/sse.ts'
import { ReplyFold, type RunFeed } from '../../runtime/runs/index.ts'

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
export function streamReply(c: Context, run: RunFeed, render: ChunkRenderer, options: SseOptions): Response {
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
