import * as ai6 from 'ai'
import { describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../../shared/index.ts'
import { AI_SDKS, type AiSdk, readMessage } from '../../testing/ai-sdk.ts'
import { UI_STREAM_DONE, type UiMessageChunk, UiMessageStreamFold, uiChunkFrame } from './ui-message-stream.ts'

const absolute = (path: string) => `https://porch.example${path}`

function fold(events: StreamEvent[], options: { ended?: boolean } = {}): UiMessageChunk[] {
  const stream = new UiMessageStreamFold(absolute)
  const chunks = events.flatMap((event) => stream.add(event))
  return options.ended === false ? chunks : [...chunks, ...stream.end()]
}

const started: StreamEvent = { event_type: 'run_started', turn: 0, trace_id: 'trace-1', session_id: 's', request_id: 'r' }
const complete = (success = true): StreamEvent => ({
  event_type: 'complete',
  turn: 2,
  success,
  answer: '',
  total_turns: 2,
  total_input_tokens: 1,
  total_output_tokens: 1,
  ...(!success && { error: 'The model failed.' }),
})

/** A run with every kind of event: text, a tool call and its result, a file, text again, sources. */
const fullRun: StreamEvent[] = [
  started,
  { event_type: 'turn_start', turn: 1, max_turns: 8 },
  { event_type: 'text_delta', turn: 1, text: 'Let me ' },
  { event_type: 'text_delta', turn: 1, text: 'look.' },
  { event_type: 'tool_call', turn: 1, tool_call_id: 'call-1', tool_name: 'create_file', tool_input: { filename: 'a.csv' } },
  {
    event_type: 'tool_result',
    turn: 1,
    tool_call_id: 'call-1',
    tool_name: 'create_file',
    tool_input: { filename: 'a.csv' },
    tool_result: 'saved',
    is_error: false,
  },
  {
    event_type: 'output_file',
    turn: 1,
    file_id: 'f1',
    filename: 'a.csv',
    size: 3,
    content_type: 'text/csv',
    download_url: '/api/v1/published/a/sessions/s/files/f1',
  },
  { event_type: 'turn_start', turn: 2, max_turns: 8 },
  { event_type: 'text_delta', turn: 2, text: 'Done [1].' },
  {
    event_type: 'sources',
    turn: 2,
    sources: [
      { index: 1, title: 'Guide', heading_path: ['Setup'], url: 'https://docs.example/guide', source_id: 'src-1' },
      { index: 2, title: 'Notes', heading_path: [], url: null, source_id: 'src-2' },
      { index: 3, title: 'Manual.pdf', heading_path: ['Install'], url: null, source_id: 'src-3', file_url: '/api/v1/published/a/knowledge/src-3/file' },
    ],
  },
  complete(),
  { event_type: 'trace_saved', turn: 2, trace_id: 'trace-1' },
]

describe('the UI message stream mapping', () => {
  it('maps a run to start, steps, paired text, dynamic tool chunks, a file, sources and finish', () => {
    expect(fold(fullRun)).toEqual([
      { type: 'start', messageId: 'trace-1' },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Let me ' },
      { type: 'text-delta', id: 'text-1', delta: 'look.' },
      { type: 'text-end', id: 'text-1' },
      { type: 'tool-input-available', toolCallId: 'call-1', toolName: 'create_file', input: { filename: 'a.csv' }, dynamic: true },
      { type: 'tool-output-available', toolCallId: 'call-1', output: 'saved', dynamic: true },
      { type: 'file', url: 'https://porch.example/api/v1/published/a/sessions/s/files/f1', mediaType: 'text/csv' },
      { type: 'finish-step' },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-2' },
      { type: 'text-delta', id: 'text-2', delta: 'Done [1].' },
      { type: 'text-end', id: 'text-2' },
      { type: 'source-url', sourceId: '1', url: 'https://docs.example/guide', title: 'Guide › Setup' },
      { type: 'source-document', sourceId: '2', mediaType: 'text/plain', title: 'Notes' },
      { type: 'source-url', sourceId: '3', url: 'https://porch.example/api/v1/published/a/knowledge/src-3/file', title: 'Manual.pdf › Install' },
      { type: 'finish-step' },
      { type: 'finish' },
    ])
  })

  it('turns a failed tool into tool-output-error, and a failed run into one readable error before finish', () => {
    const chunks = fold([
      started,
      { event_type: 'turn_start', turn: 1, max_turns: 8 },
      { event_type: 'tool_call', turn: 1, tool_call_id: 'c', tool_name: 'lookup', tool_input: {} },
      { event_type: 'tool_result', turn: 1, tool_call_id: 'c', tool_name: 'lookup', tool_input: {}, tool_result: 'HTTP 500', is_error: true },
      { event_type: 'text_delta', turn: 1, text: 'Partial' },
      { event_type: 'error', turn: 1, message: 'The model provider failed.', code: 'model_error' },
      complete(false),
    ])
    expect(chunks.slice(2)).toEqual([
      { type: 'tool-input-available', toolCallId: 'c', toolName: 'lookup', input: {}, dynamic: true },
      { type: 'tool-output-error', toolCallId: 'c', errorText: 'HTTP 500', dynamic: true },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Partial' },
      { type: 'text-end', id: 'text-1' },
      { type: 'finish-step' },
      { type: 'error', errorText: 'The model provider failed.' },
      { type: 'finish' },
    ])
  })

  it('ends a stopped run with abort, not an error', () => {
    const chunks = fold([
      started,
      { event_type: 'turn_start', turn: 1, max_turns: 8 },
      { event_type: 'text_delta', turn: 1, text: 'Half' },
      { event_type: 'error', turn: 1, message: 'The run was cancelled.', code: 'cancelled' },
      complete(false),
    ])
    expect(chunks.map((chunk) => chunk.type)).toEqual(['start', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish-step', 'abort', 'finish'])
  })

  it('closes what is open and says so when the run ends without completing', () => {
    const chunks = fold([started, { event_type: 'turn_start', turn: 1, max_turns: 8 }, { event_type: 'text_delta', turn: 1, text: 'Cut' }])
    expect(chunks.slice(-4)).toEqual([
      { type: 'text-end', id: 'text-1' },
      { type: 'finish-step' },
      { type: 'error', errorText: 'The agent stopped before it answered.' },
      { type: 'finish' },
    ])
    expect(fold([]).map((chunk) => chunk.type)).toEqual(['start', 'error', 'finish'])
  })

  it('never leaves a text part open across a step, and skips empty text', () => {
    const chunks = fold([
      started,
      { event_type: 'turn_start', turn: 1, max_turns: 8 },
      { event_type: 'text_delta', turn: 1, text: '' },
      { event_type: 'text_delta', turn: 1, text: 'a' },
      { event_type: 'turn_start', turn: 2, max_turns: 8 },
      { event_type: 'text_delta', turn: 2, text: 'b' },
      complete(),
    ])
    const open = new Set<string>()
    for (const chunk of chunks) {
      if (chunk.type === 'text-start') open.add(chunk.id)
      if (chunk.type === 'text-delta') expect(open.has(chunk.id)).toBe(true)
      if (chunk.type === 'text-end') open.delete(chunk.id)
      if (chunk.type === 'finish-step') expect(open.size).toBe(0)
    }
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').map((chunk) => (chunk as { delta: string }).delta)).toEqual(['a', 'b'])
  })

  it('passes the strict chunk schema of ai 6', async () => {
    for (const chunk of fold(fullRun)) {
      const result = await ai6.uiMessageChunkSchema().validate!(chunk)
      expect(result, JSON.stringify(chunk)).toMatchObject({ success: true })
    }
  })

  // ai 5.0.0 does not export its schema: its own transport parses the stream with it, strictly.
  const [ai5, ai6sdk] = AI_SDKS as [AiSdk, AiSdk]
  const readWith = async (sdk: AiSdk, body: string) => {
    const transport = new sdk.DefaultChatTransport({ api: 'https://porch.example/ui-chat', fetch: async () => new Response(body, { status: 200 }) })
    const stream = await transport.sendMessages({
      chatId: 'chat-1',
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    })
    return readMessage(sdk, stream)
  }

  it('is checked strictly by ai 5.0.0: a field it does not know fails the stream (why the mapping emits none)', async () => {
    const body = `${uiChunkFrame({ type: 'start', messageId: 'm' })}data: ${JSON.stringify({ type: 'finish', finishReason: 'stop' })}\n\n${UI_STREAM_DONE}`
    expect((await readWith(ai5, body)).errors).not.toEqual([])
    expect((await readWith(ai6sdk, body)).errors).toEqual([])
  })

  for (const sdk of AI_SDKS) {
    it(`reads as one assistant message with the real SDK, ai ${sdk.version}`, async () => {
      const { message, errors } = await readWith(sdk, `: stream open\n\n${fold(fullRun).map(uiChunkFrame).join('')}${UI_STREAM_DONE}`)
      expect(errors).toEqual([])
      expect(message?.id).toBe('trace-1')
      const parts = message!.parts.map((part) => {
        const { providerMetadata: _, ...rest } = part as Record<string, unknown>
        return rest
      })
      expect(parts).toEqual([
        { type: 'step-start' },
        { type: 'text', text: 'Let me look.', state: 'done' },
        expect.objectContaining({
          type: 'dynamic-tool',
          toolName: 'create_file',
          toolCallId: 'call-1',
          state: 'output-available',
          input: { filename: 'a.csv' },
          output: 'saved',
        }),
        { type: 'file', url: 'https://porch.example/api/v1/published/a/sessions/s/files/f1', mediaType: 'text/csv' },
        { type: 'step-start' },
        { type: 'text', text: 'Done [1].', state: 'done' },
        { type: 'source-url', sourceId: '1', url: 'https://docs.example/guide', title: 'Guide › Setup' },
        { type: 'source-document', sourceId: '2', mediaType: 'text/plain', title: 'Notes' },
        { type: 'source-url', sourceId: '3', url: 'https://porch.example/api/v1/published/a/knowledge/src-3/file', title: 'Manual.pdf › Install' },
      ])
    })
  }
})
