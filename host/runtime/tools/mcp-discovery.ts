/**
 * MCP servers at publish time: publishing asks each server for its tools and freezes them into
 * the version (discoverMcpTools, freezeMcpTools); the owner API keeps a frozen list across
 * draft edits (keepFrozenMcpTools). A run offers the model exactly that frozen list
 * (mcp-tools.ts): a server that changes its tools changes nothing until the owner publishes
 * again.
 */
import type { Tool as McpToolDescription } from '@modelcontextprotocol/sdk/types.js'
import { JSON_MAX_DEPTH, nestsDeeperThan } from '../../../shared/json-depth.ts'
import { type FrozenMcpTool, MCP_LIMITS, type McpServerSpec } from '../../../shared/mcp.ts'
import { McpToolError, type McpToolOptions, withServer } from './mcp-client.ts'

export type McpDiscoveryOptions = McpToolOptions & {
  /** For the whole discovery (connect and every page of the list); the server's timeout_ms by default. */
  timeoutMs?: number
}

const MAX_LIST_PAGES = 20

/** Asks the server for its tools and returns them as a version freezes them (allowed_tools applied). */
export async function discoverMcpTools(spec: McpServerSpec, options: McpDiscoveryOptions): Promise<FrozenMcpTool[]> {
  const listed = await withServer(spec, options, options.timeoutMs, undefined, async (client, request) => {
    const tools: McpToolDescription[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const reply = await client.listTools(cursor === undefined ? undefined : { cursor }, request)
      tools.push(...reply.tools)
      cursor = reply.nextCursor
      if (cursor === undefined) return tools
    }
    throw new McpToolError(`the tool list has more than ${MAX_LIST_PAGES} pages`)
  })
  return freezeList(spec, listed)
}

function freezeList(spec: McpServerSpec, listed: McpToolDescription[]): FrozenMcpTool[] {
  const allowed = spec.allowed_tools
  if (allowed) {
    const offered = new Set(listed.map((tool) => tool.name))
    const missing = allowed.filter((name) => !offered.has(name))
    if (missing.length > 0) throw new McpToolError(`allowed_tools names tools the server does not offer: ${missing.join(', ')}`)
  }
  const chosen = allowed ? listed.filter((tool) => allowed.includes(tool.name)) : listed
  if (chosen.length > MCP_LIMITS.toolsPerServer) {
    throw new McpToolError(
      `the server offers ${chosen.length} tools, more than the ${MCP_LIMITS.toolsPerServer} an agent can take from one server: name the ones it needs in allowed_tools`,
    )
  }
  return chosen.map((tool) => {
    if (tool.name.length > MCP_LIMITS.toolNameChars) throw new McpToolError(`a tool name is longer than ${MCP_LIMITS.toolNameChars} characters`)
    const schema = tool.inputSchema as Record<string, unknown>
    // A server's schema is as untrusted as a visitor's body: measured before JSON.stringify recurses into it.
    if (nestsDeeperThan(schema))
      throw new McpToolError(`the input schema of ${tool.name} nests deeper than ${JSON_MAX_DEPTH} levels: leave the tool out with allowed_tools`)
    if (JSON.stringify(schema).length > MCP_LIMITS.inputSchemaChars) {
      throw new McpToolError(`the input schema of ${tool.name} is longer than ${MCP_LIMITS.inputSchemaChars} characters: leave the tool out with allowed_tools`)
    }
    return { name: tool.name, description: (tool.description ?? '').slice(0, MCP_LIMITS.descriptionChars), input_schema: schema }
  })
}

/**
 * For publishing: the tool list with every MCP server's `tools` filled by `discover`. Servers
 * are asked in parallel; the first failure throws, naming the server.
 */
export async function freezeMcpTools<T extends { type: string }>(
  tools: readonly T[],
  discover: (spec: McpServerSpec) => Promise<FrozenMcpTool[]>,
): Promise<T[]> {
  return Promise.all(
    tools.map(async (tool) => {
      if (!isMcp(tool)) return tool
      try {
        return { ...tool, tools: await discover(tool) }
      } catch (error) {
        throw new McpToolError(`MCP server ${tool.name}: cannot list its tools: ${error instanceof Error ? error.message : String(error)}`)
      }
    }),
  )
}

/**
 * For the owner API, before a draft is stored: `tools` is the host's, not the owner's. Each MCP
 * server keeps the list frozen for it before (same name and URL), or none; so sending back an
 * agent as it was read is not a change, and a list the owner typed is never trusted.
 */
export function keepFrozenMcpTools<T extends { type: string }>(tools: readonly T[], previous: readonly { type: string }[]): T[] {
  const frozen = new Map(previous.filter(isMcp).map((spec) => [spec.name, spec]))
  return tools.map((tool) => {
    if (!isMcp(tool)) return tool
    const before = frozen.get(tool.name)
    const { tools: _ignored, ...rest } = tool
    return (before?.tools && before.url === tool.url ? { ...rest, tools: before.tools } : rest) as T
  })
}

const isMcp = (tool: { type: string }): tool is McpServerSpec & { type: 'mcp' } => tool.type === 'mcp'
