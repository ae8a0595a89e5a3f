import { describe, expect, it } from 'vitest'
import { foldTranscript } from './transcript-fold.ts'

describe('foldTranscript', () => {
  it('folds tool results into their calls and one answer’s messages into one reply', () => {
    const shown = foldTranscript([
      { role: 'user', content: [{ type: 'text', text: 'What time is it?' }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'current_time', input: {} }], status: 'complete' },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '12:00', is_error: false }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'text', text: 'It is noon.' }], status: 'cancelled' },
    ])
    expect(shown).toEqual([
      { role: 'user', status: 'complete', created_at: undefined, parts: [{ type: 'text', text: 'What time is it?' }] },
      {
        role: 'assistant',
        status: 'cancelled',
        created_at: undefined,
        parts: [
          { type: 'tool', tool: { name: 'current_time', input: {}, result: '12:00', isError: false } },
          { type: 'text', text: 'It is noon.' },
        ],
      },
    ])
  })

  it("shows the visitor's rating on the answer it was given to, the answer's last message", () => {
    const rating = { rating: 'down' as const, comment: 'Too slow.', updated_at: '2026-12-07T00:00:00.000Z' }
    const shown = foldTranscript([
      { role: 'user', content: [{ type: 'text', text: 'What time is it?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'current_time', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '12:00', is_error: false }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It is noon.' }], feedback: rating },
    ])
    expect(shown.map((m) => [m.role, m.feedback])).toEqual([
      ['user', undefined],
      ['assistant', rating],
    ])
  })

  it('keeps a result whose call it never saw, and tolerates plain-string content', () => {
    const shown = foldTranscript([
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'gone', content: 'late', is_error: true }] },
      { role: 'assistant', content: 'plain' },
    ])
    expect(shown.map((m) => m.parts)).toEqual([
      [{ type: 'tool', tool: { name: '(result)', input: 'gone', result: 'late', isError: true } }],
      [{ type: 'text', text: 'plain' }],
    ])
  })
})
