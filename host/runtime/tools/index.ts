/**
 * The tools an agent can call: built-ins and the tool set of a version (tools.ts), HTTP tools
 * (http-tools.ts), MCP servers' tools (mcp-discovery.ts at publish time, mcp-tools.ts at run
 * time, both over one connection of mcp-client.ts), files that tools hand out
 * (output-files.ts), the search of the agent's knowledge (knowledge-tool.ts), and the sealing of header secrets at rest (secret-box.ts). Outbound
 * requests go through the SSRF guard in ../network/.
 */

export { FORWARDED_USER_HEADERS, type ForwardedUser, forwardedUserPayload } from './forward-user.ts'
export { redactToolSecrets, sealToolSecrets, ToolSecretError } from './http-tools.ts'
export {
  formatHits,
  KNOWLEDGE_RESULT,
  KNOWLEDGE_TOOL_NAME,
  type KnowledgeSearch,
  knowledgeInstructions,
  knowledgeTool,
  knowledgeToolName,
  SourceList,
} from './knowledge-tool.ts'
export { McpToolError } from './mcp-client.ts'
export { discoverMcpTools, freezeMcpTools, keepFrozenMcpTools, type McpDiscoveryOptions } from './mcp-discovery.ts'
export { checkOutputFile, type OutputFile, type OutputFileSink, plainContentType, type SavedFile, safeFilename } from './output-files.ts'
export { createSecretBox, type SecretBox } from './secret-box.ts'
export { type BuiltinToolName, type ToolContext, toolsFor } from './tools.ts'
