/**
 * Our prompt and tool conversion against the AI SDK's own: `generateText` and `streamText` run
 * with a mock model that records the prompt and tools it is given, for histories as Porch
 * stores them (text, tool calls and results, a dangling tool call, images, text files, a file
 * that is gone, errors). An AI SDK upgrade that converts differently fails here.
 */
import { generateText, jsonSchema, type ModelMessage, streamText, type ToolSet, tool } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { Message } from '../../shared/index.ts'
import { toModelMessages } from '../runtime/agent/history.ts'
import { providerTools, toProviderPrompt } from './provider-prompt.ts'

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }

function recordingModel() {
  return new MockLanguageModelV3({
    doGenerate: async () => ({ content: [{ type: 'text', text: 'ok' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] }),
    doStream: async () => ({
      stream: new ReadableStream({
        start(controller) {
          controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage })
          controller.close()
        },
      }),
    }),
  })
}

/** What the SDK's own calls hand the provider for `system`, `messages` and `tools`. */
async function sdkCall(system: string | undefined, messages: ModelMessage[], tools?: ToolSet) {
  const generating = recordingModel()
  await generateText({ model: generating, system, messages, tools, maxRetries: 0 })
  const streaming = recordingModel()
  const result = streamText({ model: streaming, system, messages, tools, maxRetries: 0 })
  await result.consumeStream()
  return { generate: generating.doGenerateCalls[0]!, stream: streaming.doStreamCalls[0]! }
}

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
const text = new TextEncoder().encode('name,qty\nbell,1\n')
const user = (...content: Message['content']): Message => ({ role: 'user', content })
const assistant = (...content: Message['content']): Message => ({ role: 'assistant', content })

const histories: Record<string, Message[]> = {
  'one line of text': [user({ type: 'text', text: 'Hello' })],
  'a conversation': [
    user({ type: 'text', text: 'Hi' }),
    assistant({ type: 'text', text: 'Hello! How can I help?' }),
    user({ type: 'text', text: 'What time is it?' }),
  ],
  'tool calls and their results, one an error': [
    user({ type: 'text', text: 'Time in Berlin and Tokyo?' }),
    assistant(
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'call_1', name: 'current_time', input: { timezone: 'Europe/Berlin' } },
      { type: 'tool_use', id: 'call_2', name: 'current_time', input: { timezone: 'Asia/Nowhere' } },
    ),
    user(
      { type: 'tool_result', tool_use_id: 'call_1', content: '12:00' },
      { type: 'tool_result', tool_use_id: 'call_2', content: 'unknown time zone', is_error: true },
    ),
    assistant({ type: 'text', text: 'Berlin: 12:00.' }),
    user({ type: 'text', text: 'Thanks' }),
  ],
  'a tool call cut off before its result': [
    user({ type: 'text', text: 'Look it up' }),
    assistant({ type: 'tool_use', id: 'call_9', name: 'lookup', input: {} }),
    user({ type: 'text', text: 'Are you there?' }),
  ],
  'an image, a text file and a file that is gone': [
    user(
      { type: 'text', text: 'What is in these?' },
      { type: 'attachment', file_id: 'img', filename: 'bike.png', size: png.byteLength, content_type: 'image/png' },
      { type: 'attachment', file_id: 'csv', filename: 'order.csv', size: text.byteLength, content_type: 'text/csv' },
      { type: 'attachment', file_id: 'gone', filename: 'old.pdf', size: 10, content_type: 'application/pdf' },
    ),
  ],
}
const attachments = new Map([
  ['img', png],
  ['csv', text],
])

describe('toProviderPrompt gives the prompt the AI SDK gives', () => {
  for (const [name, history] of Object.entries(histories)) {
    it(name, async () => {
      const messages = toModelMessages(history, attachments)
      for (const system of ['You are a helpful assistant.', undefined]) {
        const sdk = await sdkCall(system, messages)
        const ours = toProviderPrompt(system, messages)
        expect(ours).toEqual(sdk.generate.prompt)
        expect(ours).toEqual(sdk.stream.prompt)
      }
    })
  }

  it('a file part with its name, as a tool result may carry one', async () => {
    const messages: ModelMessage[] = [{ role: 'user', content: [{ type: 'file', data: text, mediaType: 'text/csv', filename: 'order.csv' }] }]
    expect(toProviderPrompt(undefined, messages)).toEqual((await sdkCall(undefined, messages)).generate.prompt)
  })
})

describe('providerTools gives the tool list the AI SDK gives', () => {
  const tools: ToolSet = {
    current_time: tool({ description: 'The time.', inputSchema: z.object({ timezone: z.string().max(64).optional() }), execute: async () => 'now' }),
    create_file: tool({
      description: 'A file.',
      inputSchema: z.object({
        filename: z.string().min(1).describe('for example report.csv'),
        content_type: z.enum(['text/plain', 'text/csv']).default('text/plain'),
      }),
      execute: async () => 'saved',
    }),
    lookup: tool({
      description: 'An MCP tool.',
      inputSchema: jsonSchema({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }),
      execute: async () => '',
    }),
  }

  it('for built-in, HTTP and MCP-style tools', async () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'hi' }]
    const sdk = await sdkCall(undefined, messages, tools)
    const ours = await providerTools(tools)
    expect(ours).toEqual(sdk.generate.tools)
    expect(ours).toEqual(sdk.stream.tools)
  })

  it('and no list at all when there are no tools', async () => {
    const sdk = await sdkCall(undefined, [{ role: 'user', content: 'hi' }], {})
    expect(await providerTools({})).toEqual(sdk.generate.tools)
  })
})
