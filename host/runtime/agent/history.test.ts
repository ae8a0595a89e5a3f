import { describe, expect, it } from 'vitest'
import type { Message } from '../../../shared/index.ts'
import { toModelMessages } from './history.ts'

const user = (...content: Message['content']): Message => ({ role: 'user', content })
const assistant = (...content: Message['content']): Message => ({ role: 'assistant', content })
const text = (value: string) => ({ type: 'text' as const, text: value })
const toolUse = (id: string, name = 'current_time', input: unknown = {}) => ({ type: 'tool_use' as const, id, name, input })
const toolResult = (id: string, content: string, isError = false) => ({
  type: 'tool_result' as const,
  tool_use_id: id,
  content,
  ...(isError && { is_error: true }),
})

const INTERRUPTED = { type: 'error-text', value: 'The tool call was interrupted before it returned.' }

describe('toModelMessages', () => {
  it('turns text turns into user strings and assistant text parts', () => {
    expect(toModelMessages([user(text('Hi')), assistant(text('Hello!')), user(text('Bye'))])).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
      { role: 'user', content: 'Bye' },
    ])
  })

  it('joins the text blocks of one user message', () => {
    expect(toModelMessages([user(text('first part'), text('second part'))])).toEqual([{ role: 'user', content: 'first part\n\nsecond part' }])
  })

  it('turns tool_use + tool_result into an assistant tool call and a tool message with the same tool name', () => {
    const history = [
      user(text('What time is it?')),
      assistant(text('Checking.'), toolUse('t1', 'current_time', { timezone: 'Europe/Berlin' })),
      user(toolResult('t1', '2025-01-01T00:00:00.000Z (UTC)')),
      assistant(text('It is midnight.')),
    ]
    expect(toModelMessages(history)).toEqual([
      { role: 'user', content: 'What time is it?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', toolCallId: 't1', toolName: 'current_time', input: { timezone: 'Europe/Berlin' } },
        ],
      },
      {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'current_time', output: { type: 'text', value: '2025-01-01T00:00:00.000Z (UTC)' } }],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'It is midnight.' }] },
    ])
  })

  it('passes a failed tool result on as error text', () => {
    const history = [assistant(toolUse('t1')), user(toolResult('t1', 'unknown time zone: Mars/Base', true))]
    expect(toModelMessages(history)[1]).toEqual({
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'current_time', output: { type: 'error-text', value: 'unknown time zone: Mars/Base' } }],
    })
  })

  it('answers a dangling tool_use of a cancelled run with a stand-in error, before the next user message', () => {
    const history = [user(text('What time is it?')), assistant(toolUse('t1')), user(text('Are you still there?'))]
    expect(toModelMessages(history)).toEqual([
      { role: 'user', content: 'What time is it?' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'current_time', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'current_time', output: INTERRUPTED }] },
      { role: 'user', content: 'Are you still there?' },
    ])
  })

  it('answers a dangling tool_use at the very end of the history', () => {
    expect(toModelMessages([user(text('Time?')), assistant(toolUse('t9', 'current_time'))]).at(-1)).toEqual({
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 't9', toolName: 'current_time', output: INTERRUPTED }],
    })
  })

  it('answers only the calls that got no result when a turn was cut between two tool results', () => {
    const history = [assistant(toolUse('a'), toolUse('b')), user(toolResult('a', 'done')), user(text('Go on'))]
    const messages = toModelMessages(history)
    const results = messages.flatMap((m) => (m.role === 'tool' ? m.content : []))
    expect(results).toEqual([
      { type: 'tool-result', toolCallId: 'a', toolName: 'current_time', output: { type: 'text', value: 'done' } },
      { type: 'tool-result', toolCallId: 'b', toolName: 'current_time', output: INTERRUPTED },
    ])
    // Both results sit between the calls and the visitor's next words (in one tool message or two).
    expect(messages[0]?.role).toBe('assistant')
    expect(messages.slice(1, -1).every((m) => m.role === 'tool')).toBe(true)
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'Go on' })
  })

  it('keeps consecutive user messages (a cancelled run that produced nothing)', () => {
    expect(toModelMessages([user(text('first')), user(text('second')), assistant(text('Both seen.'))])).toEqual([
      { role: 'user', content: 'first' },
      { role: 'user', content: 'second' },
      { role: 'assistant', content: [{ type: 'text', text: 'Both seen.' }] },
    ])
  })

  it('drops empty assistant text blocks, and an assistant message left with nothing', () => {
    const history = [user(text('Hi')), assistant(text(''), toolUse('t1')), user(toolResult('t1', 'now')), assistant(text(''))]
    expect(toModelMessages(history)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'current_time', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'current_time', output: { type: 'text', value: 'now' } }] },
    ])
  })

  it('drops empty user text blocks instead of sending an empty user message', () => {
    const history = [assistant(toolUse('t1')), user(toolResult('t1', 'now'), text('')), user(text(''), text('Thanks'))]
    expect(toModelMessages(history)).toEqual([
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'current_time', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'current_time', output: { type: 'text', value: 'now' } }] },
      { role: 'user', content: 'Thanks' },
    ])
  })

  it('returns nothing for an empty history', () => {
    expect(toModelMessages([])).toEqual([])
  })

  it('sends attached images as images and text files as text, and names a file that is gone', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])
    const attachment = (id: string, filename: string, type: string) => ({ type: 'attachment' as const, file_id: id, filename, size: 4, content_type: type })
    const history = [
      user(text('Look'), attachment('img', 'a.png', 'image/png'), attachment('txt', 'b.csv', 'text/csv'), attachment('gone', 'c.txt', 'text/plain')),
    ]
    const data = new Map([
      ['img', png],
      ['txt', new TextEncoder().encode('x,y\n')],
    ])
    expect(toModelMessages(history, data)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', image: png, mediaType: 'image/png' },
          { type: 'text', text: 'The visitor attached the file "b.csv" (text/csv):\n\nx,y\n' },
          { type: 'text', text: '(The attached file "c.txt" is no longer available.)' },
        ],
      },
    ])
  })

  it('leaves out the files tools handed out (their tool result already says so)', () => {
    const file = { type: 'output_file' as const, file_id: 'f', filename: 'a.csv', size: 3, content_type: 'text/csv' }
    const history = [user(text('File?')), assistant(toolUse('t1', 'create_file')), user(toolResult('t1', 'handed out'), file), assistant(text('Done.'))]
    expect(toModelMessages(history)).toEqual([
      { role: 'user', content: 'File?' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'create_file', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'create_file', output: { type: 'text', value: 'handed out' } }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
    ])
  })
})
