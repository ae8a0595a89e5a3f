/** Publishing, as every API that offers it (the owner API, Langdock's) answers it. */
import type { Publish, PublishReply, ToolSpec } from '../../../shared/index.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { knownProvider, type ModelRegistry } from '../../runtime/providers/index.ts'
import { discoverMcpTools, freezeMcpTools, type ToolContext } from '../../runtime/tools/index.ts'
import type { AgentRecord, Store } from '../../store/store.ts'

export function requireKnownModel(model: string | undefined): void {
  if (model !== undefined && !knownProvider(model)) {
    throw new ApiError(400, 'invalid_request', `model: unknown provider in "${model}" (use demo, openai:<model> or anthropic:<model>)`)
  }
}

export type Publisher = {
  /** Publishes the agent's draft (a new version, or the one that equals it made active again); refusals throw. */
  publish(agent: AgentRecord, request: Publish): Promise<PublishReply>
}

export function createPublisher({ store, models, tools }: { store: Store; models: ModelRegistry; tools: ToolContext }): Publisher {
  return { publish: (agent, request) => publishAgent(store, models, tools, agent, request) }
}

async function publishAgent(store: Store, models: ModelRegistry, tools: ToolContext, agent: AgentRecord, request: Publish): Promise<PublishReply> {
  const problem = models.problem(agent.config.model)
  if (problem) throw new ApiError(400, 'model_unavailable', `Cannot publish: ${problem}.`)
  // MCP servers' tools are listed now and frozen into the version, as the rest of the draft is.
  let frozen: ToolSpec[]
  try {
    frozen = await freezeMcpTools(agent.config.tools, (spec) => discoverMcpTools(spec, tools))
  } catch (error) {
    throw new ApiError(400, 'mcp_unavailable', `Cannot publish: ${error instanceof Error ? error.message : String(error)}`)
  }
  const outcome = await store.publish({
    agentId: agent.id,
    apiResponseMode: request.api_response_mode,
    access: request.access,
    description: request.description,
    frozenTools: { from: agent.config.tools, to: frozen },
  })
  switch (outcome.kind) {
    case 'not_found':
      throw notFound('Agent')
    case 'draft_changed':
      throw new ApiError(409, 'draft_changed', 'The draft changed while it was being published; publish again.')
    case 'mode_locked':
      throw new ApiError(400, 'mode_locked', `The agent is published in ${outcome.currentMode} mode; unpublish first to change api_response_mode.`)
    case 'nothing_to_publish':
      throw new ApiError(409, 'nothing_to_publish', `Nothing to publish: the draft equals the active version ${outcome.version.version}.`)
    case 'published': {
      const { id, version, createdAt } = outcome.version
      const message = outcome.created ? `Published version ${version}.` : `Version ${version} is published.`
      return { status: 'success', message, version: { id, version, createdAt } }
    }
  }
}
