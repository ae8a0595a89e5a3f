/**
 * The transcript's data: stored history and sync replies folded into what the chat shows.
 * Pure functions, shared by the controller and its tests.
 */
import type { AnswerSource, ContentBlock, Message, StreamEvent, SyncReply } from '../../shared/protocol.ts'

export type ToolView = { id: string; name: string; input: unknown; result?: string; isError?: boolean }
export type FileView = { id: string; filename: string; size: number; contentType: string; url: string }
/**
 * A file the visitor attached to their message (shown by name; it is not downloaded back).
 * `fileId` once the host has it (uploaded, or from history), `file` while only this tab has it:
 * a retry sends the same attachments again.
 */
export type AttachmentView = { filename: string; size: number; fileId?: string; file?: File }
/**
 * A knowledge source under an answer: `[index] title › heading`, numbered as the answer cites
 * it, linking to its page or to its file's download (null: a host that serves no file here).
 */
export type SourceView = { index: number; label: string; url: string | null }
export type Part =
  | { type: 'text'; text: string }
  | { type: 'tool'; tool: ToolView }
  | { type: 'file'; file: FileView }
  | { type: 'attachment'; attachment: AttachmentView }

export type ChatMessage = {
  id: string
  role: 'user' | 'assistant'
  parts: Part[]
  state: 'streaming' | 'done' | 'stopped' | 'error'
  /** The host's message for a failed answer. */
  error?: string
  /** When a failed answer may be retried (epoch ms; 0 = now). */
  retryAt?: number
  /** The knowledge the answer's searches returned, listed under it. */
  sources?: SourceView[]
  /** The stored number of the answer's last message (from the history): what feedback names. */
  seq?: number
  /** The visitor's rating of the answer; `commenting` while its comment field is open. */
  feedback?: { rating: 'up' | 'down'; comment: string | null; commenting?: boolean }
  /** The person who wrote it, when a person took the chat over (absent: the agent). */
  author?: string
  /** Not a message: a notice that a person joined (`joined`, with `author`) or the agent is back (`left`). */
  notice?: 'joined' | 'left'
}

export function findTool(message: Pick<ChatMessage, 'parts'>, id: string): ToolView | undefined {
  for (const part of message.parts) if (part.type === 'tool' && part.tool.id === id) return part.tool
  return undefined
}

/**
 * Folds a streamed answer's text and tool events into its parts, in the order the model produced
 * them; false for any other event (the caller's own). The widget and the console's try-it share it.
 */
export function foldAnswerEvent(answer: Pick<ChatMessage, 'parts'>, event: StreamEvent): boolean {
  switch (event.event_type) {
    case 'text_delta': {
      const last = answer.parts.at(-1)
      if (last?.type === 'text') last.text += event.text
      else answer.parts.push({ type: 'text', text: event.text })
      return true
    }
    case 'tool_call':
      answer.parts.push({ type: 'tool', tool: { id: event.tool_call_id, name: event.tool_name, input: event.tool_input } })
      return true
    case 'tool_result': {
      const tool = findTool(answer, event.tool_call_id)
      if (tool) Object.assign(tool, { result: event.tool_result, isError: event.is_error })
      return true
    }
    default:
      return false
  }
}

/**
 * The sources a host sent (the stream's `sources` event, a sync reply, a history message), read
 * by hand like every reply: unknown fields are ignored, an entry without a number or title is
 * skipped. A file's URL is relative to the chat host.
 */
export function toSourceViews(sources: unknown, resolveUrl: (url: string) => string = (url) => url): SourceView[] | undefined {
  if (!Array.isArray(sources)) return undefined
  const views = sources.flatMap((source: Partial<AnswerSource> | null): SourceView[] => {
    if (typeof source?.index !== 'number' || typeof source.title !== 'string') return []
    const headings = Array.isArray(source.heading_path) ? source.heading_path.filter((h) => typeof h === 'string') : []
    const url = typeof source.url === 'string' ? source.url : typeof source.file_url === 'string' ? resolveUrl(source.file_url) : null
    return [{ index: source.index, label: [source.title, ...headings].join(' › '), url }]
  })
  return views.length > 0 ? views : undefined
}

export const textOf = (message: ChatMessage): string => message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('')

export function applySyncReply(answer: ChatMessage, reply: SyncReply, resolveUrl?: (url: string) => string): void {
  answer.sources = toSourceViews(reply.sources, resolveUrl)
  let toolIndex = 0
  for (const step of reply.steps ?? []) {
    if (step.role === 'assistant' && step.tool_name === null) answer.parts.push({ type: 'text', text: step.content })
    else if (step.role === 'assistant')
      answer.parts.push({ type: 'tool', tool: { id: `sync-${toolIndex++}`, name: step.tool_name ?? '', input: step.tool_input } })
    else {
      const tool = [...answer.parts]
        .reverse()
        .find((p): p is Extract<Part, { type: 'tool' }> => p.type === 'tool' && p.tool.name === step.tool_name && p.tool.result === undefined)
      if (tool) tool.tool.result = step.content
    }
  }
  if (!reply.success) {
    answer.state = 'error'
    answer.error = reply.error ?? undefined
    answer.retryAt = 0
  }
}

/**
 * Stored messages → what the transcript shows. One visitor turn is one assistant bubble, even
 * when the agent took several model turns: tool results (stored as user messages) join the
 * assistant message whose tool call they answer.
 */
export function toChatMessages(history: Message[], resolveUrl: (url: string) => string = (url) => url): ChatMessage[] {
  const out: ChatMessage[] = []
  const stateOf = (status: Message['status']): ChatMessage['state'] => (status === 'cancelled' ? 'stopped' : status === 'error' ? 'error' : 'done')
  for (const [index, message] of history.entries()) {
    const texts = message.content.filter((b): b is Extract<ContentBlock, { type: 'text' }> => b.type === 'text')
    const results = message.content.filter((b): b is Extract<ContentBlock, { type: 'tool_result' }> => b.type === 'tool_result')
    const previous = out.at(-1)
    if (message.role === 'user' && texts.length > 0) {
      const attachments: Part[] = message.content.flatMap((b) =>
        b.type === 'attachment' ? [{ type: 'attachment' as const, attachment: { filename: b.filename, size: b.size, fileId: b.file_id } }] : [],
      )
      out.push({ id: `h${index}`, role: 'user', parts: [{ type: 'text', text: texts.map((b) => b.text).join('\n\n') }, ...attachments], state: 'done' })
      // A run that failed or was stopped before the model said anything left no assistant message.
      if (message.status !== undefined && message.status !== 'complete' && history[index + 1]?.role !== 'assistant') {
        out.push({ id: `h${index}a`, role: 'assistant', parts: [], state: stateOf(message.status), retryAt: 0 })
      }
      continue
    }
    if (message.role === 'user') {
      for (const result of results) {
        const tool = previous?.role === 'assistant' ? findTool(previous, result.tool_use_id) : undefined
        if (tool) Object.assign(tool, { result: result.content, isError: result.is_error === true })
      }
      for (const block of message.content) {
        if (block.type !== 'output_file' || !block.download_url || previous?.role !== 'assistant') continue
        previous.parts.push({
          type: 'file',
          file: { id: block.file_id, filename: block.filename, size: block.size, contentType: block.content_type, url: resolveUrl(block.download_url) },
        })
      }
      continue
    }
    // A person's message stands alone: it never merges with the agent's turn before or after it.
    const author = message.author?.name
    const target: ChatMessage =
      previous?.role === 'assistant' && previous.author === author
        ? previous
        : { id: `h${index}`, role: 'assistant', parts: [], state: 'done', ...(author && { author }) }
    if (target !== previous) out.push(target)
    target.state = stateOf(message.status)
    target.sources = toSourceViews(message.sources, resolveUrl) ?? target.sources
    if (typeof message.seq === 'number') target.seq = message.seq
    const rated = message.feedback
    if (rated?.rating === 'up' || rated?.rating === 'down') target.feedback = { rating: rated.rating, comment: rated.comment ?? null }
    for (const block of message.content) {
      if (block.type === 'text') {
        const last = target.parts.at(-1)
        if (last?.type === 'text') last.text += block.text
        else target.parts.push({ type: 'text', text: block.text })
      } else if (block.type === 'tool_use') {
        target.parts.push({ type: 'tool', tool: { id: block.id, name: block.name, input: block.input } })
      }
    }
  }
  return out
}
