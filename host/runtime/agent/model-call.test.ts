/**
 * The agent loop's own model calls (run-agent.ts over model-call.ts), driven by a scripted
 * provider model: what the fake HTTP providers cannot send (tool input that is not JSON, a
 * model that never answers, errors with retry headers) and the sync and streaming drivers
 * side by side. The HTTP providers themselves are covered in providers/providers.test.ts.
 */

import { createServer } from 'node:http'
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Content, LanguageModelV3StreamPart } from '@ai-sdk/provider'
import { APICallError } from 'ai'
import { describe, expect, it } from 'vitest'
import { AgentConfigSchema, HttpToolSpecSchema, type ToolSpec } from '../../../shared/index.ts'
import { type AgentRunInput, runAgent, type TurnEvent } from './run-agent.ts'

/** A reply: text and tool calls; or a throw from the call; or an error part after the text; or silence until aborted. */
type Reply = { text?: string[]; toolCalls?: { id: string; name: string; input: string }[]; throws?: unknown; errorPart?: unknown; silent?: true }

const usage = { inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 2, text: 2, reasoning: undefined } }

/** A provider model that answers each call with the next scripted reply, and keeps the prompts it got. */
function scriptedModel(replies: Reply[]) {
  const calls: LanguageModelV3CallOptions[] = []
  const next = (options: LanguageModelV3CallOptions) => {
    calls.push(structuredClone({ ...options, abortSignal: undefined }))
    const reply = replies[calls.length - 1] ?? { text: ['(no more replies)'] }
    if (reply.throws) throw reply.throws
    return reply
  }
  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'scripted',
    modelId: 'scripted',
    supportedUrls: {},
    async doGenerate(options) {
      const reply = next(options)
      const content: LanguageModelV3Content[] = [
        ...(reply.text ? [{ type: 'text' as const, text: reply.text.join('') }] : []),
        ...(reply.toolCalls ?? []).map((call) => ({ type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input: call.input })),
      ]
      return { content, finishReason: { unified: reply.toolCalls ? 'tool-calls' : 'stop', raw: undefined }, usage, warnings: [] }
    },
    async doStream(options) {
      const reply = next(options)
      const signal = options.abortSignal
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] })
          if (reply.silent) {
            signal?.addEventListener('abort', () => controller.error(signal.reason))
            return
          }
          for (const delta of reply.text ?? []) controller.enqueue({ type: 'text-delta', id: 't', delta })
          if (reply.errorPart) controller.enqueue({ type: 'error', error: reply.errorPart })
          for (const call of reply.toolCalls ?? []) controller.enqueue({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.input })
          controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: undefined }, usage })
          controller.close()
        },
      })
      return { stream }
    },
  }
  return { model, calls }
}

const clock: ToolSpec[] = [{ type: 'builtin', name: 'current_time' }]

async function run(model: LanguageModelV3, options: Partial<AgentRunInput> & { tools_?: ToolSpec[]; maxTurns?: number } = {}) {
  const events: TurnEvent[] = []
  const result = await runAgent({
    model,
    config: AgentConfigSchema.parse({ tools: options.tools_ ?? [], max_turns: options.maxTurns ?? 5 }),
    history: [],
    request: { role: 'user', content: [{ type: 'text', text: 'What time is it?' }] },
    signal: new AbortController().signal,
    streaming: true,
    tools: { allowPrivate: false, decrypt: (value: string) => value },
    emit: (event) => events.push(event),
    maxRetries: 0,
    ...options,
  })
  return { result, events }
}

describe.each([true, false])('streaming: %s', (streaming) => {
  it('gives tool input that is not JSON, or not valid, back to the model as an error result, and goes on', async () => {
    const { model, calls } = scriptedModel([
      {
        toolCalls: [
          { id: 'c1', name: 'current_time', input: '{"timezone": ' },
          { id: 'c2', name: 'current_time', input: '{"timezone": 42}' },
        ],
      },
      { text: ['Sorry.'] },
    ])
    const { result, events } = await run(model, { streaming, tools_: clock })

    expect(result).toMatchObject({ status: 'success', answer: 'Sorry.', turns: 2, inputTokens: 6, outputTokens: 4 })
    const results = events.filter((event) => event.event_type === 'tool_result')
    expect(results.map((event) => [event.tool_call_id, event.is_error])).toEqual([
      ['c1', true],
      ['c2', true],
    ])
    expect(results[0]!.tool_result).toMatch(/^Invalid input for tool current_time: JSON parsing failed/)
    expect(results[1]).toMatchObject({ tool_input: { timezone: 42 }, tool_result: expect.stringMatching(/^Invalid input for tool current_time:/) })

    const second = calls[1]!.prompt
    expect(second.at(-2)).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: 'c1', toolName: 'current_time', input: {} },
        { type: 'tool-call', toolCallId: 'c2', toolName: 'current_time', input: { timezone: 42 } },
      ],
    })
    expect(second.at(-1)).toEqual({
      role: 'tool',
      content: results.map((event) => ({
        type: 'tool-result',
        toolCallId: event.tool_call_id,
        toolName: 'current_time',
        output: { type: 'error-text', value: event.tool_result },
      })),
    })
    expect(calls[0]!.tools?.[0]).toMatchObject({
      type: 'function',
      name: 'current_time',
      inputSchema: { type: 'object', properties: { timezone: { type: 'string' } } },
    })
  })

  it('runs tools on the last allowed turn and stops there', async () => {
    const call = (id: string) => ({ toolCalls: [{ id, name: 'current_time', input: '{}' }] })
    const { model, calls } = scriptedModel([call('a'), call('b'), call('c')])
    const { result, events } = await run(model, { streaming, tools_: clock, maxTurns: 2 })

    expect(calls).toHaveLength(2)
    expect(result).toMatchObject({ status: 'success', turns: 2 })
    expect(events.map((event) => event.event_type)).toEqual(['turn_start', 'tool_call', 'tool_result', 'turn_start', 'tool_call', 'tool_result'])
    expect(result.messages.map((message) => message.role)).toEqual(['assistant', 'user', 'assistant', 'user'])
  })

  it('retries a retryable provider error, honouring retry-after-ms, and reports the last one as it is', async () => {
    const busy = () =>
      new APICallError({
        message: 'slow down',
        url: 'http://model',
        requestBodyValues: {},
        statusCode: 429,
        responseHeaders: { 'retry-after-ms': '5' },
        isRetryable: true,
      })
    const retried = scriptedModel([{ throws: busy() }, { text: ['Fine.'] }])
    expect((await run(retried.model, { streaming, maxRetries: 1 })).result).toMatchObject({ status: 'success', answer: 'Fine.' })
    expect(retried.calls).toHaveLength(2)

    const exhausted = scriptedModel([{ throws: busy() }, { throws: busy() }])
    const { result, events } = await run(exhausted.model, { streaming, maxRetries: 1 })
    expect(exhausted.calls).toHaveLength(2)
    expect(events).toEqual([])
    expect(result).toMatchObject({ status: 'error', turns: 0, messages: [], failure: { code: 'model_rate_limited', detail: 'slow down' } })

    const refused = new APICallError({ message: 'bad request', url: 'http://model', requestBodyValues: {}, statusCode: 400, isRetryable: false })
    const once = scriptedModel([{ throws: refused }, { text: ['never'] }])
    expect((await run(once.model, { streaming, maxRetries: 2 })).result).toMatchObject({
      status: 'error',
      failure: { code: 'model_error', message: expect.stringContaining('HTTP 400') },
    })
    expect(once.calls).toHaveLength(1)
  })
})

describe('streaming', () => {
  it('ends the run at an error part, keeping the text streamed before it', async () => {
    const { model } = scriptedModel([{ text: ['Half an '], errorPart: new Error('malformed chunk') }])
    const { result, events } = await run(model)
    expect(events.map((event) => event.event_type)).toEqual(['turn_start', 'text_delta'])
    expect(result).toMatchObject({ status: 'error', answer: 'Half an ', failure: { code: 'model_error', detail: 'malformed chunk' } })
    expect(result.messages).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'Half an ' }], status: 'error' }])
  })

  it('fails a silent model with model_timeout, but not a slow tool', async () => {
    const silent = scriptedModel([{ silent: true }])
    const { result } = await run(silent.model, { modelTimeoutMs: 50 })
    expect(result).toMatchObject({ status: 'error', failure: { code: 'model_timeout', detail: 'the model made no progress for 50 ms' } })

    // The HTTP tool's server answers after 150 ms: three times the model's limit.
    const server = createServer((_request, response) => setTimeout(() => response.end('"done"'), 150))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      const slow = HttpToolSpecSchema.parse({ type: 'http', name: 'slow', url: `http://127.0.0.1:${port}/` })
      const { model } = scriptedModel([{ toolCalls: [{ id: 's', name: 'slow', input: '{}' }] }, { text: ['Done.'] }])
      const { result: slowRun, events } = await run(model, {
        modelTimeoutMs: 50,
        tools_: [slow],
        tools: { allowPrivate: true, decrypt: (value: string) => value },
      })
      expect(events.find((event) => event.event_type === 'tool_result')).toMatchObject({ is_error: false })
      expect(slowRun).toMatchObject({ status: 'success', answer: 'Done.' })
    } finally {
      server.close()
    }
  })
})
