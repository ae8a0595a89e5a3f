/** The tools an owner can give an agent: built-in ones, HTTP tools (http-tools.ts) and MCP servers' tools (mcp-tools.ts). */
import { type ToolSet, tool } from 'ai'
import { z } from 'zod'
import { LIMITS, type ToolSpec } from '../../../shared/index.ts'
import { type HttpToolOptions, httpTool } from './http-tools.ts'
import { mcpTools } from './mcp-tools.ts'
import { describeSavedFile, OutputFileError, type OutputFileSink, safeFilename } from './output-files.ts'

const TEXT_FILE_TYPES = ['text/plain', 'text/markdown', 'text/csv', 'application/json'] as const

/** What tools need from the host and from the run they serve. */
export type ToolContext = Pick<HttpToolOptions, 'allowPrivate' | 'decrypt' | 'visitor'> & {
  /** Where this run's tools put files for the visitor; absent: tools cannot hand out files. */
  files?: OutputFileSink
}

// Built once: zod schemas cost more to build than a whole chat's other validation (bench/).
const currentTimeInput = z.object({ timezone: z.string().max(64).optional() })
const createFileInput = z.object({
  filename: z.string().min(1).max(LIMITS.filenameChars).describe('for example report.csv'),
  content_type: z.enum(TEXT_FILE_TYPES).default('text/plain'),
  content: z
    .string()
    .min(1)
    .max(LIMITS.outputFileBytes / 4),
})

function builtins(context: ToolContext) {
  return {
    current_time: tool({
      description: 'The current date and time, in UTC and optionally in an IANA time zone such as Europe/Berlin.',
      inputSchema: currentTimeInput,
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
    create_file: tool({
      description:
        'Hands the visitor a text file to download (a CSV export, a markdown document, JSON data). Use it when the visitor asks for a file or a download.',
      inputSchema: createFileInput,
      execute: async ({ filename, content_type, content }) => {
        if (!context.files) throw new OutputFileError('files cannot be handed out here')
        const saved = await context.files.save({ filename: safeFilename(filename), contentType: content_type, data: new TextEncoder().encode(content) })
        return describeSavedFile(saved)
      },
    }),
  } satisfies ToolSet
}

export type BuiltinToolName = keyof ReturnType<typeof builtins>

/** The AI SDK tool set for a version's tool list. */
export function toolsFor(specs: ToolSpec[], context: ToolContext): ToolSet {
  const tools: ToolSet = {}
  let available: ReturnType<typeof builtins> | undefined
  for (const spec of specs) {
    if (spec.type === 'builtin') tools[spec.name] = (available ??= builtins(context))[spec.name]
    else if (spec.type === 'http') tools[spec.name] = httpTool(spec, context)
    else Object.assign(tools, mcpTools(spec, context))
  }
  return tools
}
