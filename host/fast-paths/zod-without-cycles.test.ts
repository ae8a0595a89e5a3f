/**
 * The zod patch against zod's own path: the same schemas (built fresh, as the AI SDK builds
 * them on each call) parse the same values to the same results, issues included, with zod's
 * memoizer and without it; and zod still consults the memoizer the patch installs, so an
 * upgrade that renames the hook fails here instead of quietly bringing the cost back.
 */
import { modelMessageSchema } from 'ai'
import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { ChatRequestSchema, MessageSchema } from '../../shared/index.ts'

type Case = { name: string; schema: () => z.ZodType; values: unknown[] }

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])
const cases: Case[] = [
  {
    name: 'the AI SDK message list',
    schema: () => z.array(modelMessageSchema),
    values: [
      [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image', image: png, mediaType: 'image/png' },
          ],
        },
      ],
      [
        { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 't', input: { a: [1, { b: 2 }] } }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 't', output: { type: 'text', value: 'ok' } }] },
      ],
      [{ role: 'user' }],
      [{ role: 'robot', content: 'x' }],
      'not a list',
    ],
  },
  {
    name: 'a stored message',
    schema: () => MessageSchema,
    values: [
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'current_time', input: {} }] },
      { role: 'user', content: [{ type: 'nope' }] },
    ],
  },
  {
    name: 'a chat request',
    schema: () => ChatRequestSchema,
    values: [{ request: 'hi', session_id: 's-1', request_id: 'r-1' }, { request: '' }, { request: 'hi', attachments: ['a', 'a', 3] }],
  },
  {
    name: 'a recursive JSON value (lazy), with defaults and a transform',
    schema: () => {
      const json: z.ZodType = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]))
      return z.object({ value: json, tags: z.array(z.string().trim()).default([]), count: z.string().transform(Number).optional() })
    },
    values: [{ value: { a: [1, 'two', { b: null }] }, count: '3' }, { value: { a: [undefined] } }, { value: 1, tags: [' x '] }],
  },
]

const parseAll = () => cases.map((c) => c.values.map((value) => c.schema().safeParse(value)))

describe('zod without its cycle memoizer', () => {
  it('parses every value as zod does with it', async () => {
    const zodOwn = z.config().memoizer
    expect(zodOwn).toBeDefined()
    const withMemoizer = parseAll()
    const { noMemoizer } = await import('./zod-without-cycles.ts')
    expect(z.config().memoizer).toBe(noMemoizer)
    expect(noMemoizer).not.toBe(zodOwn)
    const without = parseAll()
    expect(JSON.parse(JSON.stringify(without))).toEqual(JSON.parse(JSON.stringify(withMemoizer)))
    expect(without.flat().map((result) => result.success)).toEqual(withMemoizer.flat().map((result) => result.success))
    expect(without.flat().some((result) => !result.success)).toBe(true)
  })

  it('is the memoizer zod consults when a fresh schema parses', async () => {
    const { noMemoizer } = await import('./zod-without-cycles.ts')
    const alloc = vi.spyOn(noMemoizer, 'alloc')
    const attach = vi.spyOn(noMemoizer, 'attach')
    try {
      expect(z.array(z.object({ a: z.string() })).parse([{ a: 'x' }])).toEqual([{ a: 'x' }])
      expect(attach).toHaveBeenCalled()
      expect(alloc).toHaveBeenCalled()
    } finally {
      alloc.mockRestore()
      attach.mockRestore()
    }
  })
})
