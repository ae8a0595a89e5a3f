/**
 * A run's events as whole replies: the sync API's SyncReply and the compat APIs' ReplyFold,
 * driven by hand on a Run; and a re-POST of a sync message whose run has already finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../../shared/index.ts'
import { startTestHost, type TestHost } from '../../testing/harness.ts'
import { collectReply, collectSyncReply, ReplyFold, toSyncReply } from './replies.ts'
import { Run } from './runs.ts'

const started: StreamEvent = { event_type: 'run_started', turn: 0, trace_id: 't-1', session_id: 's-1', request_id: 'r-1' }
const text = (turn: number, piece: string): StreamEvent => ({ event_type: 'text_delta', turn, text: piece })
const complete = (success: boolean, answer: string, error?: string): StreamEvent => ({
  event_type: 'complete',
  turn: 2,
  success,
  answer,
  total_turns: 2,
  total_input_tokens: 10,
  total_output_tokens: 4,
  ...(error !== undefined && { error }),
})
const toolRun: StreamEvent[] = [
  started,
  text(1, 'Let me look. '),
  { event_type: 'tool_call', turn: 1, tool_call_id: 'c1', tool_name: 'current_time', tool_input: {} },
  { event_type: 'tool_result', turn: 1, tool_call_id: 'c1', tool_name: 'current_time', tool_input: {}, tool_result: '12:00', is_error: false },
  text(2, 'It is '),
  text(2, 'noon.'),
  complete(true, 'It is noon.'),
]

function ended(events: StreamEvent[]): Run {
  const run = new Run('f', 0)
  for (const event of events) run.push(event)
  run.end()
  return run
}

describe('toSyncReply', () => {
  it('keeps every step: text, tool call, tool result, text', () => {
    expect(toSyncReply(toolRun, 's-1')).toEqual({
      success: true,
      answer: 'It is noon.',
      total_turns: 2,
      steps: [
        { role: 'assistant', content: 'Let me look. ', tool_name: null, tool_input: null },
        { role: 'assistant', content: '', tool_name: 'current_time', tool_input: {} },
        { role: 'tool', content: '12:00', tool_name: 'current_time', tool_input: {} },
        { role: 'assistant', content: 'It is noon.', tool_name: null, tool_input: null },
      ],
      error: null,
      trace_id: 't-1',
      session_id: 's-1',
    })
  })

  it('is a failure when the run never completed', () => {
    expect(toSyncReply([started], 's-1')).toMatchObject({ success: false, answer: '', error: null, trace_id: 't-1' })
  })
})

describe('ReplyFold', () => {
  it('joins the text of turns with a blank line and counts the tokens', () => {
    const fold = new ReplyFold()
    const pieces = toolRun.map((event) => fold.add(event))
    fold.close()
    expect(fold.text).toBe('Let me look. \n\nIt is noon.')
    expect(pieces.join('')).toBe(fold.text)
    expect([fold.success, fold.failure, fold.traceId, fold.usage]).toEqual([true, null, 't-1', { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 }])
  })

  it('keeps the error event’s code, and calls a run that stopped early run_failed', () => {
    const failed = new ReplyFold()
    for (const event of [
      started,
      { event_type: 'error', turn: 1, code: 'model_error', message: 'The model failed.' } as StreamEvent,
      complete(false, '', 'The model failed.'),
    ])
      failed.add(event)
    failed.close()
    expect(failed.failure).toEqual({ code: 'model_error', message: 'The model failed.' })
    const cut = new ReplyFold()
    cut.add(started)
    cut.close()
    expect(cut.failure).toEqual({ code: 'run_failed', message: 'The agent stopped before it answered.' })
  })
})

describe('collecting a run', () => {
  it('waits for a live run to end', async () => {
    const run = new Run('f', 0)
    const reply = collectSyncReply(run, 's-1', new AbortController().signal)
    const fold = collectReply(run, new AbortController().signal)
    for (const event of toolRun) run.push(event)
    run.end()
    expect((await reply).answer).toBe('It is noon.')
    expect((await fold).text).toBe('Let me look. \n\nIt is noon.')
  })

  it('answers at once for a run that has already ended (a re-POST within the retention)', async () => {
    expect((await collectSyncReply(ended(toolRun), 's-1', new AbortController().signal)).answer).toBe('It is noon.')
    expect((await collectReply(ended(toolRun), new AbortController().signal)).success).toBe(true)
  })
})

describe('a sync message sent again with its request_id', () => {
  let host: TestHost
  beforeAll(async () => {
    host = await startTestHost()
  })
  afterAll(async () => {
    await host.stop()
  })

  it('gets the same reply from the finished run, without a second run', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const body = { request: 'Hello twice', session_id: 'replay-sync', request_id: 'replay-1' }
    const first = await host.post(`/api/v1/published/${agent.id}/chat/sync`, body)
    expect(first.status).toBe(200)
    const again = await host.post(`/api/v1/published/${agent.id}/chat/sync`, body)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual(await first.json())
  })
})
