/**
 * The first token leaves at once, even when a provider's whole answer arrives in one network
 * read: the run gives the event loop a turn after it, so the SSE writer can send it before the
 * rest of the burst (and the database write at the end) is worked through.
 */
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider'
import type { LanguageModel } from 'ai'
import { expect, it } from 'vitest'
import { AgentConfigSchema } from '../../../shared/index.ts'
import { createDemoModel } from '../providers/demo-model.ts'
import { runAgent, type TurnEvent } from './run-agent.ts'

/** Runs `model` streaming; for each text_delta, how many turns of the event loop had passed since the first. */
async function turnsAtEachToken(model: LanguageModel) {
  let turnsOfTheLoop = 0
  const seenAtToken: number[] = []
  const result = await runAgent({
    model,
    config: AgentConfigSchema.parse({}),
    history: [],
    request: { role: 'user', content: [{ type: 'text', text: 'hello' }] },
    signal: new AbortController().signal,
    streaming: true,
    tools: { allowPrivate: false, decrypt: (value: string) => value },
    emit: (event: TurnEvent) => {
      if (event.event_type !== 'text_delta') return
      if (seenAtToken.length === 0) setImmediate(() => turnsOfTheLoop++)
      seenAtToken.push(turnsOfTheLoop)
    },
  })
  return { result, seenAtToken }
}

it('gives the event loop a turn between the first and the second token of a burst', async () => {
  const { result, seenAtToken } = await turnsAtEachToken(createDemoModel('instant')) // streams its whole reply without pauses
  expect(result.status).toBe('success')
  expect(seenAtToken.length).toBeGreaterThan(2)
  expect(seenAtToken[0]).toBe(0)
  expect(seenAtToken[1]).toBe(1)
})

it('spends that turn on the first token with text, not on an empty delta (OpenAI streams open with one)', async () => {
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: '' },
    ...['one ', 'two ', 'three'].map((delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 3, text: 3, reasoning: undefined } },
    },
  ]
  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'test',
    modelId: 'burst',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('not used')),
    doStream: async () => ({
      stream: new ReadableStream({
        start: (controller) => {
          for (const part of parts) controller.enqueue(part)
          controller.close()
        },
      }),
    }),
  }
  const { result, seenAtToken } = await turnsAtEachToken(model)
  expect(result.answer).toBe('one two three')
  expect(seenAtToken).toEqual([0, 1, 1])
})
