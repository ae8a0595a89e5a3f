/** Built-in tools an owner can give an agent. Each is an AI SDK tool with its own input schema. */
import { tool, type ToolSet } from 'ai'
import { z } from 'zod'
import type { ToolSpec } from '../../shared/index.ts'

const builtins = {
  current_time: tool({
    description: 'The current date and time, in UTC and optionally in an IANA time zone such as Europe/Berlin.',
    inputSchema: z.object({ timezone: z.string().max(64).optional() }),
    execute: async ({ timezone }) => {
      const now = new Date()
      if (!timezone) return `${now.toISOString()} (UTC)`
      try {
        const local = now.toLocaleString('en-GB', { timeZone: timezone, dateStyle: 'full', timeStyle: 'long' })
        return `${local} (${timezone}); ${now.toISOString()} UTC`
      } catch {
        throw new Error(`unknown time zone: ${timezone}`)
      }
    },
  }),
} satisfies ToolSet

export type BuiltinToolName = keyof typeof builtins

/** The AI SDK tool set for a version's tool list. */
export function toolsFor(specs: ToolSpec[]): ToolSet {
  const tools: ToolSet = {}
  for (const spec of specs) {
    if (spec.type === 'builtin') tools[spec.name] = builtins[spec.name]
  }
  return tools
}
