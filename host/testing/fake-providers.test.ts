import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { APICallError, generateText, type LanguageModel, streamText, tool } from 'ai'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type FakeProvider, type Script, startFakeAnthropic, startFakeOpenAI } from './fake-providers.ts'

const providers = [
  {
    name: 'openai',
    start: startFakeOpenAI,
    model: (url: string): LanguageModel => createOpenAI({ baseURL: url, apiKey: 'test' }).chat('gpt-test'),
    path: '/v1/chat/completions',
    authHeader: ['authorization', 'Bearer test'],
  },
  {
    name: 'anthropic',
    start: startFakeAnthropic,
    model: (url: string): LanguageModel => createAnthropic({ baseURL: url, apiKey: 'test' })('claude-test'),
    path: '/v1/messages',
    authHeader: ['x-api-key', 'test'],
  },
] as const

const weather = tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string(), days: z.number() }) })
// maxOutputTokens silences the Anthropic provider's unknown-model warning.
const base = { maxRetries: 0, maxOutputTokens: 64 }
const quiet = { ...base, onError: () => {} }

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = []
  for await (const part of stream) parts.push(part)
  return parts
}

describe.each(providers)('fake $name provider', ({ start, model, path, authHeader }) => {
  const open: FakeProvider[] = []
  const fake = async (script: Script) => {
    const f = await start(script)
    open.push(f)
    return { fake: f, model: model(f.url) }
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()))
  })

  it('streams text chunks in order and records the request', async () => {
    const { fake: f, model } = await fake([{ text: ['Hel', 'lo', ' world'] }])
    const result = streamText({ model, prompt: 'Say hello', ...quiet })
    expect(await collect(result.textStream)).toEqual(['Hel', 'lo', ' world'])
    expect(await result.finishReason).toBe('stop')

    expect(f.requests).toHaveLength(1)
    const [request] = f.requests
    expect(request?.path).toBe(path)
    expect(request?.headers[authHeader[0]]).toBe(authHeader[1])
    expect(request?.body.stream).toBe(true)
    expect(JSON.stringify(request?.body.messages)).toContain('Say hello')
  })

  it('parses a streamed tool call with its input', async () => {
    const { model } = await fake([{ text: ['Checking.'], toolCalls: [{ id: 'call_1', name: 'weather', input: { city: 'Paris', days: 3 } }] }])
    const result = streamText({ model, prompt: 'Weather?', tools: { weather }, ...quiet })
    const parts = await collect(result.fullStream)
    const call = parts.find((p) => p.type === 'tool-call')
    expect(call).toMatchObject({ toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris', days: 3 } })
    expect(parts.some((p) => p.type === 'error')).toBe(false)
    expect(await result.text).toBe('Checking.')
    expect(await result.finishReason).toBe('tool-calls')
  })

  it('reports usage tokens', async () => {
    const { model } = await fake([{ text: ['ok'], usage: { input: 42, output: 7 } }])
    const result = streamText({ model, prompt: 'hi', ...quiet })
    await result.consumeStream()
    expect(await result.usage).toMatchObject({ inputTokens: 42, outputTokens: 7, totalTokens: 49 })
  })

  it('surfaces an error status as an APICallError', async () => {
    const { model } = await fake([{ status: 500, errorMessage: 'fake overload' }])
    const parts = await collect(streamText({ model, prompt: 'hi', ...quiet }).fullStream)
    const error = parts.find((p) => p.type === 'error')?.error
    expect(APICallError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ statusCode: 500, message: 'fake overload' })
  })

  it('fails the stream when the connection is cut mid-stream', async () => {
    const { model } = await fake([{ text: ['a', 'b', 'c'], cutAfterChunks: 1 }])
    const deltas: string[] = []
    // A transport failure mid-body is not an `error` part: iterating fullStream rejects.
    const iterate = async () => {
      for await (const part of streamText({ model, prompt: 'hi', ...quiet }).fullStream) {
        if (part.type === 'text-delta') deltas.push(part.text)
      }
    }
    const error = await iterate().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(APICallError.isInstance(error)).toBe(true)
    expect(String((error as Error).cause)).toContain('terminated')
    expect(deltas).toEqual(['a'])
  })

  it('reports a malformed chunk as an error part', async () => {
    const { model } = await fake([{ text: ['a', 'b'], malformedChunk: true }])
    const parts = await collect(streamText({ model, prompt: 'hi', ...quiet }).fullStream)
    expect(parts.some((p) => p.type === 'error')).toBe(true)
    expect(parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : []))).toEqual(['a', 'b'])
  })

  it('counts streams aborted by the client', async () => {
    const { fake: f, model } = await fake([{ text: ['a', 'b', 'c', 'd'], delayMs: 50 }])
    const controller = new AbortController()
    const result = streamText({ model, prompt: 'hi', abortSignal: controller.signal, ...quiet })
    for await (const _ of result.textStream) {
      controller.abort()
    }
    await expect.poll(() => f.aborted).toBe(1)
  })

  it('answers non-streaming generateText with text, tool calls and usage', async () => {
    const { fake: f, model } = await fake([
      { text: ['Hello', ' there'], usage: { input: 3, output: 2 } },
      { toolCalls: [{ id: 'call_2', name: 'weather', input: { city: 'Oslo', days: 1 } }] },
    ])
    const first = await generateText({ model, prompt: 'Greet me', ...base })
    expect(first.text).toBe('Hello there')
    expect(first.usage).toMatchObject({ inputTokens: 3, outputTokens: 2 })
    expect(f.requests[0]?.body.stream).toBeFalsy()
    expect(JSON.stringify(f.requests[0]?.body.messages)).toContain('Greet me')

    const second = await generateText({ model, prompt: 'Weather?', tools: { weather }, ...base })
    expect(second.finishReason).toBe('tool-calls')
    expect(second.toolCalls[0]).toMatchObject({ toolCallId: 'call_2', toolName: 'weather', input: { city: 'Oslo', days: 1 } })
  })

  it('stays silent when told to hang or stall, until the client gives up, and counts that', async () => {
    const { fake: f, model } = await fake([{ hang: true }, { text: ['a', 'b', 'c'], stallAfterChunks: 1 }, { text: ['whole'], stallAfterChunks: 0 }])
    const hung = await generateText({ model, prompt: 'hi', abortSignal: AbortSignal.timeout(300), ...base }).then(
      () => 'answered',
      () => 'gave up',
    )
    expect(hung).toBe('gave up')
    const deltas: string[] = []
    const stalled = streamText({ model, prompt: 'hi', abortSignal: AbortSignal.timeout(300), ...quiet })
    for await (const part of stalled.fullStream) if (part.type === 'text-delta') deltas.push(part.text)
    expect(deltas).toEqual(['a'])
    const half = await generateText({ model, prompt: 'hi', abortSignal: AbortSignal.timeout(300), ...base }).then(
      () => 'answered',
      () => 'gave up',
    )
    expect(half).toBe('gave up')
    await expect.poll(() => f.aborted).toBe(3)
  })

  it('holds the rest of a stream until the test releases it', async () => {
    let release!: () => void
    const until = new Promise<void>((resolve) => (release = resolve))
    const { model } = await fake([{ text: ['a', 'b', 'c'], hold: { afterChunks: 1, until } }])
    const deltas: string[] = []
    const result = streamText({ model, prompt: 'hi', ...quiet })
    const stream = result.textStream[Symbol.asyncIterator]()
    deltas.push((await stream.next()).value)
    expect(deltas).toEqual(['a'])
    release()
    for (let part = await stream.next(); !part.done; part = await stream.next()) deltas.push(part.value)
    expect(deltas).toEqual(['a', 'b', 'c'])
  })

  it('waits before answering, and breaks whole replies: cut, malformed, or not its protocol at all', async () => {
    const { model } = await fake([
      { text: ['late'], waitMs: 100 },
      { text: ['x'], cutAfterChunks: 0 },
      { text: ['x'], malformedChunk: true },
      { rawStream: 'not json' },
    ])
    expect((await generateText({ model, prompt: 'hi', ...base })).text).toBe('late')
    for (let i = 0; i < 3; i++) await expect(generateText({ model, prompt: 'hi', ...base })).rejects.toThrow()
  })

  it('repeats the last scripted reply and passes the index to script functions', async () => {
    const { model } = await fake([{ text: ['one'] }, { text: ['again'] }])
    const texts = []
    for (let i = 0; i < 3; i++) texts.push((await generateText({ model, prompt: 'x', ...base })).text)
    expect(texts).toEqual(['one', 'again', 'again'])

    const { model: byIndex } = await fake((_request, index) => ({ text: [`reply ${index}`] }))
    expect((await generateText({ model: byIndex, prompt: 'x', ...base })).text).toBe('reply 0')
    expect((await generateText({ model: byIndex, prompt: 'x', ...base })).text).toBe('reply 1')
  })
})
