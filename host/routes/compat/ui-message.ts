/**
 * A UI message stream's chunks assembled into the one assistant UI message they describe, for
 * callers that do not stream (Langdock's `stream: false`). The parts are the ones the AI SDK's
 * own `readUIMessageStream` builds from the same chunks (a test compares the two), so a
 * streamed and a whole answer read the same.
 */
import type { UiMessageChunk } from './ui-message-stream.ts'

export type UiMessagePartOut =
  | { type: 'step-start' }
  | { type: 'text'; text: string; state: 'done' }
  | { type: 'dynamic-tool'; toolName: string; toolCallId: string; state: 'output-available'; input: unknown; output: unknown }
  | { type: 'dynamic-tool'; toolName: string; toolCallId: string; state: 'output-error'; input: unknown; errorText: string }
  | { type: 'dynamic-tool'; toolName: string; toolCallId: string; state: 'input-available'; input: unknown }
  | { type: 'file'; mediaType: string; url: string }
  | { type: 'source-url'; sourceId: string; url: string; title: string }
  | { type: 'source-document'; sourceId: string; mediaType: string; title: string }

export type AssistantUiMessage = { id: string; role: 'assistant'; parts: UiMessagePartOut[] }

/** The message, and the error the stream reported (null when it finished cleanly). */
export type AssembledMessage = { message: AssistantUiMessage; error: string | null }

export function assembleUiMessage(chunks: UiMessageChunk[]): AssembledMessage {
  const message: AssistantUiMessage = { id: '', role: 'assistant', parts: [] }
  const texts = new Map<string, { type: 'text'; text: string; state: 'done' }>()
  const tools = new Map<string, number>()
  let error: string | null = null
  for (const chunk of chunks) {
    switch (chunk.type) {
      case 'start':
        message.id = chunk.messageId ?? message.id
        break
      case 'start-step':
        message.parts.push({ type: 'step-start' })
        break
      case 'text-start': {
        const part = { type: 'text' as const, text: '', state: 'done' as const }
        texts.set(chunk.id, part)
        message.parts.push(part)
        break
      }
      case 'text-delta': {
        const part = texts.get(chunk.id)
        if (part) part.text += chunk.delta
        break
      }
      case 'tool-input-available':
        tools.set(chunk.toolCallId, message.parts.length)
        message.parts.push({ type: 'dynamic-tool', toolName: chunk.toolName, toolCallId: chunk.toolCallId, state: 'input-available', input: chunk.input })
        break
      case 'tool-output-available':
      case 'tool-output-error': {
        const at = tools.get(chunk.toolCallId)
        const call = at === undefined ? undefined : message.parts[at]
        if (call?.type !== 'dynamic-tool') break
        const { toolName, toolCallId, input } = call
        message.parts[at!] =
          chunk.type === 'tool-output-available'
            ? { type: 'dynamic-tool', toolName, toolCallId, state: 'output-available', input, output: chunk.output }
            : { type: 'dynamic-tool', toolName, toolCallId, state: 'output-error', input, errorText: chunk.errorText }
        break
      }
      case 'file':
        message.parts.push({ type: 'file', mediaType: chunk.mediaType, url: chunk.url })
        break
      case 'source-url':
        message.parts.push({ type: 'source-url', sourceId: chunk.sourceId, url: chunk.url, title: chunk.title })
        break
      case 'source-document':
        message.parts.push({ type: 'source-document', sourceId: chunk.sourceId, mediaType: chunk.mediaType, title: chunk.title })
        break
      case 'error':
        error = chunk.errorText
        break
      case 'abort':
        error ??= 'The answer was stopped.'
        break
      default:
        break
    }
  }
  return { message, error }
}
