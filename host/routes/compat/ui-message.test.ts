/**
 * The whole assistant message Porch assembles (Langdock's `stream: false`) against the one the
 * AI SDK's own `readUIMessageStream` builds from the same chunks, at ai 5.0.0 and ai 6.
 */
import { describe, expect, it } from 'vitest'
import { AI_SDKS, readMessage } from '../../testing/ai-sdk.ts'
import { assembleUiMessage } from './ui-message.ts'
import type { UiMessageChunk } from './ui-message-stream.ts'

/** Every chunk kind the mapping sends: two steps, text, a tool that answers, one that fails, a file, sources. */
const chunks: UiMessageChunk[] = [
  { type: 'start', messageId: 'trace-1' },
  { type: 'start-step' },
  { type: 'text-start', id: 'text-1' },
  { type: 'text-delta', id: 'text-1', delta: 'Let me ' },
  { type: 'text-delta', id: 'text-1', delta: 'look.' },
  { type: 'text-end', id: 'text-1' },
  { type: 'tool-input-available', toolCallId: 'call-1', toolName: 'create_file', input: { filename: 'a.csv' }, dynamic: true },
  { type: 'tool-input-available', toolCallId: 'call-2', toolName: 'order_status', input: { order: '4711' }, dynamic: true },
  { type: 'tool-output-available', toolCallId: 'call-1', output: 'saved', dynamic: true },
  { type: 'tool-output-error', toolCallId: 'call-2', errorText: 'HTTP 500', dynamic: true },
  { type: 'file', url: 'https://porch.example/agent/v1/files/a/k/s/f1', mediaType: 'text/csv' },
  { type: 'finish-step' },
  { type: 'start-step' },
  { type: 'text-start', id: 'text-2' },
  { type: 'text-delta', id: 'text-2', delta: 'Done [1].' },
  { type: 'text-end', id: 'text-2' },
  { type: 'source-url', sourceId: '1', url: 'https://docs.example/guide', title: 'Guide › Setup' },
  { type: 'source-document', sourceId: '2', mediaType: 'text/plain', title: 'Notes' },
  { type: 'finish-step' },
  { type: 'finish' },
]

const streamOf = (items: unknown[]) =>
  new ReadableStream<unknown>({
    start(controller) {
      for (const item of items) controller.enqueue(item)
      controller.close()
    },
  })

/** Without the fields JSON drops (undefined ones), as a reply body carries it. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value))

describe.each(AI_SDKS)('the assembled UI message, against ai $version', (sdk) => {
  it('is the message the SDK builds from the same chunks', async () => {
    const { message, errors } = await readMessage(sdk, streamOf(chunks))
    expect(errors).toEqual([])
    const assembled = assembleUiMessage(chunks)
    expect(assembled.error).toBeNull()
    expect(asJson(assembled.message)).toEqual(asJson(message))
  })
})

describe('assembleUiMessage', () => {
  it('reports the stream’s error, keeping what came before it', () => {
    const { message, error } = assembleUiMessage([
      { type: 'start', messageId: 't' },
      { type: 'start-step' },
      { type: 'text-start', id: 'x' },
      { type: 'text-delta', id: 'x', delta: 'Half' },
      { type: 'text-end', id: 'x' },
      { type: 'finish-step' },
      { type: 'error', errorText: 'The model failed.' },
      { type: 'finish' },
    ])
    expect(error).toBe('The model failed.')
    expect(message.parts).toEqual([{ type: 'step-start' }, { type: 'text', text: 'Half', state: 'done' }])
  })

  it('counts a stopped run as an error', () => {
    expect(assembleUiMessage([{ type: 'start' }, { type: 'abort' }]).error).toBe('The answer was stopped.')
  })
})
