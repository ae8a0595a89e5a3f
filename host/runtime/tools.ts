/** The tools an owner can give an agent: built-in ones, HTTP tools (http-tools.ts) and MCP servers' tools (mcp-tools.ts). */
import { tool, type ToolSet } from 'ai'
import { z } from 'zod'
import type { ToolSpec } from '../../shared/index.ts'
import { httpTool, type HttpToolOptions } from './http-tools.ts'
import { mcpTools } from './mcp-tools.ts'

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

/** What HTTP tools need from the host: whether private addresses are allowed, and the key to their secrets. */
export type ToolContext = Pick<HttpToolOptions, 'allowPrivate' | 'decrypt'>

/** The AI SDK tool set for a version's tool list. */
export function toolsFor(specs: ToolSpec[], context: ToolContext): ToolSet {
  const tools: ToolSet = {}
  for (const spec of specs) {
    if (spec.type === 'builtin') tools[spec.name] = builtins[spec.name]
    else if (spec.type === 'http') tools[spec.name] = httpTool(spec, context)
    else Object.assign(tools, mcpTools(spec, context))
  }
  return tools
}
