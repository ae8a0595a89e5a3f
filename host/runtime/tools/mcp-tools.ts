/**
 * MCP servers' tools at run time: the AI SDK tools for a version's frozen list (mcpTools), each
 * call one connection through mcp-client.ts. The list itself is frozen at publish time
 * (mcp-discovery.ts).
 *
 * Secret header values are opened only for the call, scrubbed from every result and error, and
 * never put into a message. Files in a result (images, binary resources, links to web
 * resources) are handed to the visitor; a linked resource is fetched through the network guard.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { dynamicTool, type JSONSchema7, jsonSchema, type ToolSet } from 'ai'
import { LIMITS } from '../../../shared/limits.ts'
import { type FrozenMcpTool, MCP_LIMITS, type McpServerSpec } from '../../../shared/mcp.ts'
import { guardedFetch } from '../network/index.ts'
import { scrub } from './http-tools.ts'
import { ERROR_EXCERPT_CHARS, McpToolError, type McpToolOptions, withServer } from './mcp-client.ts'
import { describeSavedFile, plainContentType, safeFilename } from './output-files.ts'

export { type FrozenMcpTool, FrozenMcpToolSchema, MCP_LIMITS, type McpServerSpec, McpServerSpecSchema } from '../../../shared/mcp.ts'

/** The names the model sees for a server's frozen tools, in order, with the tool each one calls. */
export function mcpToolEntries(spec: McpServerSpec): { exposedName: string; tool: FrozenMcpTool }[] {
  const taken = new Set<string>()
  const allowed = spec.allowed_tools
  return (spec.tools ?? [])
    .filter((tool) => !allowed || allowed.includes(tool.name))
    .map((tool) => {
      const base = `${spec.name}${MCP_LIMITS.nameSeparator}${tool.name.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64)
      let exposedName = base
      for (let n = 2; taken.has(exposedName); n++) exposedName = `${base.slice(0, 64 - String(n).length - 1)}_${n}`
      taken.add(exposedName)
      return { exposedName, tool }
    })
}

/** The AI SDK tools for a server's frozen tool list; a server never published offers none. */
export function mcpTools(spec: McpServerSpec, options: McpToolOptions): ToolSet {
  const maxResultBytes = options.maxResultBytes ?? MCP_LIMITS.resultBytes
  const tools: ToolSet = {}
  for (const { exposedName, tool } of mcpToolEntries(spec)) {
    tools[exposedName] = dynamicTool({
      description: tool.description || `The tool ${tool.name} of the MCP server ${spec.name}.`,
      // The server checks the arguments against its own schema; its complaint reaches the model.
      inputSchema: jsonSchema(tool.input_schema as JSONSchema7),
      async execute(input, { abortSignal }) {
        const args = input ?? {}
        if (typeof args !== 'object' || Array.isArray(args)) throw new McpToolError(`invalid arguments for ${exposedName}: expected an object`)
        return withServer(spec, options, undefined, abortSignal, async (client, request, secrets) => {
          const result = await client.callTool({ name: tool.name, arguments: args as Record<string, unknown> }, undefined, request)
          const handedOut = result.isError === true ? new Map<number, string>() : await handOutFiles(result, options, spec.timeout_ms)
          const text = scrub(resultText(result, handedOut), secrets)
          if (result.isError === true) throw new McpToolError(text.slice(0, ERROR_EXCERPT_CHARS) || `${tool.name} failed (the server gave no reason)`)
          return capBytes(text, maxResultBytes) || '(empty result)'
        })
      },
    })
  }
  return tools
}

type CallResult = Awaited<ReturnType<Client['callTool']>>

/**
 * Images, binary resources and links to web resources in a result become files for the visitor
 * (when the run can take files); returns, by block index, what the model reads instead.
 * A linked resource is fetched through the network guard, like any outbound request.
 */
async function handOutFiles(result: CallResult, options: McpToolOptions, timeoutMs: number): Promise<Map<number, string>> {
  const handedOut = new Map<number, string>()
  const files = options.files
  if (!files || !Array.isArray(result.content)) return handedOut
  for (const [index, block] of (result.content as CallContent[]).entries()) {
    let file: { filename: string; contentType: string; data: () => Promise<Uint8Array> } | null = null
    if (block.type === 'image' || block.type === 'audio') {
      const extension = block.mimeType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin'
      file = { filename: `${block.type}-${index + 1}.${extension}`, contentType: block.mimeType, data: async () => Buffer.from(block.data, 'base64') }
    } else if (block.type === 'resource' && 'blob' in block.resource) {
      const blob = block.resource.blob
      file = {
        filename: lastSegment(block.resource.uri),
        contentType: block.resource.mimeType ?? 'application/octet-stream',
        data: async () => Buffer.from(blob, 'base64'),
      }
    } else if (block.type === 'resource_link' && /^https?:\/\//i.test(block.uri)) {
      const uri = block.uri
      file = {
        filename: block.name || lastSegment(uri),
        contentType: block.mimeType ?? 'application/octet-stream',
        data: () => fetchLinked(uri, options, timeoutMs),
      }
    }
    if (!file) continue
    try {
      const saved = await files.save({
        filename: safeFilename(file.filename, 'download'),
        contentType: plainContentType(file.contentType),
        data: await file.data(),
      })
      handedOut.set(index, describeSavedFile(saved))
    } catch (error) {
      handedOut.set(index, `(a file could not be handed out: ${error instanceof Error ? error.message : 'unknown error'})`)
    }
  }
  return handedOut
}

const lastSegment = (uri: string) => uri.split(/[/:]/).pop() ?? ''

async function fetchLinked(uri: string, options: McpToolOptions, timeoutMs: number): Promise<Uint8Array> {
  const response = await guardedFetch(
    uri,
    { method: 'GET', signal: AbortSignal.timeout(timeoutMs) },
    { allowPrivate: options.allowPrivate, resolve: options.resolve },
  )
  if (response.status < 200 || response.status > 299) {
    response.discard()
    throw new Error(`the linked resource answered HTTP ${response.status}`)
  }
  const { data, truncated } = await response.readBytes(LIMITS.outputFileBytes + 1)
  if (truncated) throw new Error(`the linked resource is larger than ${LIMITS.outputFileBytes / 1024 / 1024} MiB`)
  return new Uint8Array(data)
}

type CallContent = Extract<CallResult, { content: unknown }>['content'][number]

/** The text the model reads: text blocks as they are, files as handed out, other content named but not shown. */
function resultText(result: CallResult, handedOut = new Map<number, string>()): string {
  if ('toolResult' in result) return stringify(result.toolResult)
  const parts = (result.content ?? []).map((block, index) => {
    const file = handedOut.get(index)
    if (file !== undefined) return file
    switch (block.type) {
      case 'text':
        return block.text
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `(binary resource ${block.resource.uri}, not shown)`
      case 'resource_link':
        return `(resource ${block.uri})`
      default:
        return `(${block.type} content, not shown; only text results reach the model)`
    }
  })
  if (parts.length === 0 && result.structuredContent !== undefined) return stringify(result.structuredContent)
  return parts.join('\n')
}

function capBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text)
  if (bytes.length <= maxBytes) return text
  // `stream: true` drops a character cut in half at the cap instead of mangling it.
  const kept = new TextDecoder().decode(bytes.subarray(0, maxBytes), { stream: true })
  return `${kept}\n\n[cut: the result was longer than ${maxBytes % 1024 === 0 ? `${maxBytes / 1024} KiB` : `${maxBytes} bytes`}]`
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
}
