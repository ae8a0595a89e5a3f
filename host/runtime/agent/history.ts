/**
 * Stored messages (Anthropic content blocks) → the AI SDK's provider-neutral messages.
 * A run that was cancelled between a tool call and its result leaves a dangling tool_use;
 * models reject that, so it gets a stand-in error result here (the stored history is untouched).
 * A visitor's attachments go to the model as images or as text; files handed out by tools are
 * already described in their tool's result, so their blocks are left out.
 */
import type { AssistantContent, ModelMessage, ToolResultPart, UserContent } from 'ai'
import { ATTACHMENT_TYPES, type AttachmentBlock, type Message } from '../../../shared/index.ts'

const INTERRUPTED = 'The tool call was interrupted before it returned.'

/** An attachment's bytes, by file id; a missing one is named to the model as gone. */
export type AttachmentData = Map<string, Uint8Array>

export function toModelMessages(history: Message[], attachments: AttachmentData = new Map()): ModelMessage[] {
  const out: ModelMessage[] = []
  const toolNames = new Map<string, string>()
  let pending: string[] = []

  const closePending = () => {
    if (pending.length === 0) return
    out.push({
      role: 'tool',
      content: pending.map((id) => ({
        type: 'tool-result',
        toolCallId: id,
        toolName: toolNames.get(id) ?? 'unknown',
        output: { type: 'error-text', value: INTERRUPTED },
      })),
    })
    pending = []
  }

  for (const message of history) {
    if (message.role === 'assistant') {
      closePending()
      const content: Exclude<AssistantContent, string> = []
      for (const block of message.content) {
        if (block.type === 'text' && block.text !== '') content.push({ type: 'text', text: block.text })
        if (block.type === 'tool_use') {
          toolNames.set(block.id, block.name)
          pending.push(block.id)
          content.push({ type: 'tool-call', toolCallId: block.id, toolName: block.name, input: block.input ?? {} })
        }
      }
      if (content.length > 0) out.push({ role: 'assistant', content })
      continue
    }

    const results: ToolResultPart[] = []
    const texts: string[] = []
    const files: AttachmentBlock[] = []
    for (const block of message.content) {
      if (block.type === 'tool_result') {
        pending = pending.filter((id) => id !== block.tool_use_id)
        results.push({
          type: 'tool-result',
          toolCallId: block.tool_use_id,
          toolName: toolNames.get(block.tool_use_id) ?? 'unknown',
          output: block.is_error ? { type: 'error-text', value: block.content } : { type: 'text', value: block.content },
        })
      } else if (block.type === 'text' && block.text !== '') {
        texts.push(block.text)
      } else if (block.type === 'attachment') {
        files.push(block)
      }
    }
    if (results.length > 0) out.push({ role: 'tool', content: results })
    closePending()
    if (files.length > 0)
      out.push({
        role: 'user',
        content: [
          ...(texts.length > 0 ? [{ type: 'text' as const, text: texts.join('\n\n') }] : []),
          ...files.map((file) => attachmentPart(file, attachments.get(file.file_id))),
        ],
      })
    else if (texts.length > 0) out.push({ role: 'user', content: texts.join('\n\n') })
  }
  closePending()
  return out
}

function attachmentPart(file: AttachmentBlock, data: Uint8Array | undefined): Exclude<UserContent, string>[number] {
  if (!data) return { type: 'text', text: `(The attached file "${file.filename}" is no longer available.)` }
  if ((ATTACHMENT_TYPES.images as readonly string[]).includes(file.content_type)) return { type: 'image', image: data, mediaType: file.content_type }
  return { type: 'text', text: `The visitor attached the file "${file.filename}" (${file.content_type}):\n\n${new TextDecoder().decode(data)}` }
}
