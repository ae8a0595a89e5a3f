import { describe, expect, it } from 'vitest'
import { AgentConfigSchema, CreateAgentSchema, UpdateAgentSchema } from './owner.ts'
import { ChatRequestSchema, MessageSchema, StreamEventSchema, SyncReplySchema } from './protocol.ts'

describe('chat request', () => {
  it('accepts the documented shape and refuses what the design forbids', () => {
    expect(ChatRequestSchema.parse({ request: 'hi', session_id: 'a.b_c:d-1', request_id: 'r1' })).toEqual({
      request: 'hi',
      session_id: 'a.b_c:d-1',
      request_id: 'r1',
    })
    for (const bad of [
      {},
      { request: '' },
      { request: 5 },
      { request: 'x'.repeat(32_001) },
      { request: 'hi', session_id: 'has space' },
      { request: 'hi', session_id: 'x'.repeat(129) },
      { request: 'hi', session_id: '../etc' },
    ]) {
      expect(ChatRequestSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 60)).toBe(false)
    }
  })
})

describe('stream events', () => {
  it('parses every event type of the design', () => {
    const events = [
      { event_type: 'run_started', turn: 0, trace_id: 't', session_id: 's', request_id: 'r' },
      { event_type: 'turn_start', turn: 1, max_turns: 8 },
      { event_type: 'text_delta', turn: 1, text: 'Hel' },
      { event_type: 'tool_call', turn: 1, tool_call_id: 'c1', tool_name: 'current_time', tool_input: {} },
      { event_type: 'tool_result', turn: 1, tool_call_id: 'c1', tool_name: 'current_time', tool_input: {}, tool_result: 'noon', is_error: false },
      { event_type: 'output_file', turn: 1, file_id: 'f', filename: 'a.csv', size: 3, content_type: 'text/csv', download_url: '/x' },
      { event_type: 'context_compressed', turn: 1, previous_tokens: 9000, context_limit: 8000 },
      { event_type: 'sources', turn: 2, sources: [{ index: 1, title: 'Pricing', heading_path: ['Plans'], url: 'https://a.example/#plans', source_id: 's1' }] },
      { event_type: 'complete', turn: 2, success: true, answer: 'Hello', total_turns: 2, total_input_tokens: 10, total_output_tokens: 3 },
      { event_type: 'trace_saved', turn: 2, trace_id: 't' },
      { event_type: 'error', turn: 1, message: 'boom', code: 'model_error' },
    ]
    expect(events.map((event) => StreamEventSchema.parse(event).event_type)).toEqual(events.map((event) => event.event_type))
  })

  it('tolerates fields a newer host adds, and refuses an unknown event type', () => {
    const parsed = StreamEventSchema.parse({ event_type: 'text_delta', turn: 1, text: 'a', added_later: true })
    expect(parsed).toEqual({ event_type: 'text_delta', turn: 1, text: 'a' })
    expect(StreamEventSchema.safeParse({ event_type: 'mystery', turn: 1 }).success).toBe(false)
  })
})

describe('messages and replies', () => {
  it('holds Anthropic content blocks', () => {
    const message = {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'c1', name: 'current_time', input: { timezone: 'UTC' } },
      ],
    }
    expect(MessageSchema.parse(message)).toEqual(message)
    expect(MessageSchema.safeParse({ role: 'system', content: [] }).success).toBe(false)
  })

  it('describes the sync reply', () => {
    const reply = { success: false, answer: '', total_turns: 0, steps: [], error: 'down', trace_id: 't', session_id: 's' }
    expect(SyncReplySchema.parse(reply)).toEqual(reply)
  })
})

describe('agent config', () => {
  it('fills defaults, and refuses unknown fields on create and empty patches', () => {
    expect(AgentConfigSchema.parse({})).toMatchObject({ model: 'demo', max_turns: 8, tools: [], starters: [] })
    expect(CreateAgentSchema.safeParse({ name: 'a', unknown: 1 }).success).toBe(false)
    expect(CreateAgentSchema.safeParse({ name: '   ' }).success).toBe(false)
    expect(UpdateAgentSchema.safeParse({}).success).toBe(false)
    expect(UpdateAgentSchema.parse({ max_turns: 3 })).toEqual({ max_turns: 3 })
  })
})
