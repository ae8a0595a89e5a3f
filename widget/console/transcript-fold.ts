/** A stored session's messages as the console shows them. Pure functions (tested without a browser). */

import type { TranscriptMessage } from '../../shared/console.ts'
import type { ContentBlock } from '../../shared/protocol.ts'
import type { ToolCallView } from './tool-view.ts'

/**
 * A stored message as the host sends it (TranscriptMessageSchema), read tolerantly: only the role
 * and content are needed, and plain-string content (older rows) reads as one text block.
 */
export type StoredMessage = Pick<TranscriptMessage, 'role'> &
  Partial<Pick<TranscriptMessage, 'status' | 'created_at' | 'feedback' | 'author'>> & { content: ContentBlock[] | string }

export type Shown = {
  role: TranscriptMessage['role']
  status?: TranscriptMessage['status']
  created_at?: string
  /** The visitor's rating of the answer (stored on its last message). */
  feedback?: TranscriptMessage['feedback']
  /** The person who wrote it during a human takeover (absent: the agent, or the visitor). */
  author?: string
  parts: ({ type: 'text'; text: string } | { type: 'tool'; tool: ToolCallView })[]
}

const blocks = (content: StoredMessage['content']): ContentBlock[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : content)

/**
 * Folds tool results (stored in the next user message, Anthropic style) into their tool calls,
 * and the assistant messages of one answer (text, tool call, more text) into one reply.
 */
export function foldTranscript(messages: StoredMessage[]): Shown[] {
  const calls = new Map<string, ToolCallView>()
  const shown: Shown[] = []
  for (const message of messages) {
    const parts: Shown['parts'] = []
    for (const block of blocks(message.content)) {
      if (block.type === 'text') parts.push({ type: 'text', text: block.text })
      else if (block.type === 'tool_use') {
        const tool: ToolCallView = { name: block.name, input: block.input }
        calls.set(block.id, tool)
        parts.push({ type: 'tool', tool })
      } else if (block.type === 'attachment') {
        parts.push({ type: 'text', text: `📎 Attached ${block.filename} (${block.content_type}, ${block.size} bytes)` })
      } else if (block.type === 'output_file') {
        // Handed out by a tool: it belongs to the answer the tool call is part of.
        const answer = shown.at(-1)
        const part = { type: 'text' as const, text: `⬇ Handed out ${block.filename} (${block.content_type}, ${block.size} bytes)` }
        if (answer?.role === 'assistant') answer.parts.push(part)
        else parts.push(part)
      } else {
        const tool = calls.get(block.tool_use_id)
        if (tool) Object.assign(tool, { result: block.content, isError: block.is_error })
        else parts.push({ type: 'tool', tool: { name: '(result)', input: block.tool_use_id, result: block.content, isError: block.is_error } })
      }
    }
    if (parts.length === 0) continue
    const previous = shown.at(-1)
    // A person's message (human takeover) stands alone, apart from the agent's answers.
    if (previous && previous.role === 'assistant' && message.role === 'assistant' && previous.author === message.author?.name) {
      previous.parts.push(...parts)
      previous.status = message.status
      if (message.feedback) previous.feedback = message.feedback
    } else
      shown.push({
        role: message.role,
        status: message.status,
        created_at: message.created_at,
        parts,
        ...(message.feedback && { feedback: message.feedback }),
        ...(message.author && { author: message.author.name }),
      })
  }
  return shown
}
