/**
 * The AI SDK's prompt and tool conversion, for the parts Porch uses: our provider-neutral
 * messages as the provider's prompt (the SDK's `convertToLanguageModelPrompt`), our tools as the
 * provider's tool list (`prepareToolsAndToolChoice`), and each tool's JSON schema, cached.
 * The agent loop calls the provider model's `doStream`/`doGenerate` with them instead of going
 * through `streamText`/`generateText` (see index.ts for why); provider-prompt.test.ts runs the
 * SDK's own calls against a mock model and fails when they send something else.
 */
import type { LanguageModelV3FunctionTool, LanguageModelV3Message, LanguageModelV3Prompt, LanguageModelV3ToolResultOutput } from '@ai-sdk/provider'
import { asSchema, type ModelMessage, type Schema, type ToolSet } from 'ai'

/** Our provider-neutral messages as the provider's prompt (the SDK's convertToLanguageModelPrompt, for the parts we use). */
export function toProviderPrompt(system: string | undefined, messages: ModelMessage[]): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = system ? [{ role: 'system', content: system }] : []
  for (const message of messages) {
    const converted = toProviderMessage(message)
    const last = prompt.at(-1)
    // Consecutive tool messages become one, as the SDK sends them.
    if (converted.role === 'tool' && last?.role === 'tool') last.content.push(...converted.content)
    else prompt.push(converted)
  }
  return prompt
}

function toProviderMessage(message: ModelMessage): LanguageModelV3Message {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content }
    case 'user': {
      if (typeof message.content === 'string') return { role: 'user', content: [{ type: 'text', text: message.content }] }
      const content: Extract<LanguageModelV3Message, { role: 'user' }>['content'] = []
      for (const part of message.content) {
        if (part.type === 'text') {
          if (part.text !== '') content.push({ type: 'text', text: part.text })
        } else if (part.type === 'image' && isBytes(part.image)) {
          content.push({ type: 'file', mediaType: part.mediaType ?? 'image/*', data: part.image })
        } else if (part.type === 'file' && isBytes(part.data)) {
          content.push({ type: 'file', mediaType: part.mediaType, data: part.data, filename: part.filename })
        } else {
          throw new Error(`unsupported user message part: ${part.type}`)
        }
      }
      return { role: 'user', content }
    }
    case 'assistant': {
      if (typeof message.content === 'string') return { role: 'assistant', content: [{ type: 'text', text: message.content }] }
      const content: Extract<LanguageModelV3Message, { role: 'assistant' }>['content'] = []
      for (const part of message.content) {
        if (part.type === 'text') {
          if (part.text !== '') content.push({ type: 'text', text: part.text })
        } else if (part.type === 'tool-call') {
          content.push({ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input })
        } else if (part.type === 'tool-result') {
          content.push({ type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: plainOutput(part.output) })
        }
      }
      return { role: 'assistant', content }
    }
    case 'tool': {
      const content: Extract<LanguageModelV3Message, { role: 'tool' }>['content'] = []
      for (const part of message.content) {
        if (part.type === 'tool-result')
          content.push({ type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: plainOutput(part.output) })
      }
      return { role: 'tool', content }
    }
  }
}

const isBytes = (data: unknown): data is Uint8Array => data instanceof Uint8Array

/** runtime/agent/history.ts only writes text and error-text outputs; anything richer is sent as JSON. */
function plainOutput(output: { type: string; value?: unknown }): LanguageModelV3ToolResultOutput {
  if (output.type === 'text' || output.type === 'error-text') return { type: output.type, value: String(output.value) }
  return { type: 'json', value: (output.value ?? null) as never }
}

// A tool's JSON schema, by its input schema: builtins share theirs across chats (runtime/tools/tools.ts),
// and turning a zod schema into JSON schema costs more than the rest of the call's set-up.
const schemas = new WeakMap<object, Schema<unknown>>()

export function schemaOf(inputSchema: object): Schema<unknown> {
  let schema = schemas.get(inputSchema)
  if (!schema) schemas.set(inputSchema, (schema = asSchema(inputSchema as Parameters<typeof asSchema>[0]) as Schema<unknown>))
  return schema
}

/** The tool list the provider gets (the SDK's prepareToolsAndToolChoice); undefined when there are none. */
export async function providerTools(tools: ToolSet): Promise<LanguageModelV3FunctionTool[] | undefined> {
  const entries = Object.entries(tools)
  if (entries.length === 0) return undefined
  return Promise.all(
    entries.map(async ([name, tool]) => ({
      type: 'function' as const,
      name,
      description: tool.description,
      inputSchema: await schemaOf(tool.inputSchema).jsonSchema,
    })),
  )
}
