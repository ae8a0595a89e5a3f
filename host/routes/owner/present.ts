/** Store records → the owner API's JSON. Sealed tool secrets never leave: they show as `********`. */

import type { SessionSummary, Takeover, TraceSummary } from '../../../shared/console.ts'
import type { Agent, AgentVersion } from '../../../shared/index.ts'
import { redactToolSecrets } from '../../runtime/tools/index.ts'
import { parseScope } from '../../store/scope.ts'
import type { AgentRecord, SessionSummaryRecord, Store, StoredMessage, TakeoverRecord, TraceRecord, VersionRecord } from '../../store/store.ts'

/**
 * What an agent's JSON needs besides its record: the active version, and whether the draft's
 * knowledge differs from that version's. Every API that shows an agent reads it here, so
 * `has_unpublished_changes` means the same thing in each (the owner API, Langdock's agents).
 */
export type AgentState = { active: VersionRecord | null; knowledgeChanged: boolean }

export async function agentState(store: Store, agent: AgentRecord): Promise<AgentState> {
  if (agent.activeVersion === null) return { active: null, knowledgeChanged: false }
  const [active, knowledgeChanged] = await Promise.all([
    store.getVersion(agent.id, agent.activeVersion),
    store.knowledgeDraftDiffers(agent.id, agent.activeVersion),
  ])
  return { active, knowledgeChanged }
}

export function agentJson(agent: AgentRecord, { active, knowledgeChanged }: AgentState): Agent {
  const frozen = active && JSON.stringify([active.name, active.agentDescription, active.config])
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    ...agent.config,
    tools: redactToolSecrets(agent.config.tools),
    published: agent.published,
    active_version: agent.activeVersion,
    api_response_mode: agent.apiResponseMode,
    access: agent.access,
    allowed_origins: agent.allowedOrigins,
    has_unpublished_changes: knowledgeChanged || frozen !== JSON.stringify([agent.name, agent.description, agent.config]),
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
  }
}

export function versionJson(version: VersionRecord, agent: AgentRecord): AgentVersion {
  return {
    id: version.id,
    agent_id: version.agentId,
    version: version.version,
    name: version.name,
    config: { ...version.config, tools: redactToolSecrets(version.config.tools) },
    description: version.description,
    active: agent.activeVersion === version.version,
    created_at: version.createdAt,
  }
}

/** The share link a session scope belongs to, or null. */
export function linkOfScope(scope: string): string | null {
  const parsed = parseScope(scope)
  return parsed?.kind === 'link' ? parsed.linkId : null
}

export const sessionSummaryJson = (session: SessionSummaryRecord): SessionSummary => ({
  session_id: session.sessionId,
  scope: session.scope,
  link_id: linkOfScope(session.scope),
  message_count: session.messageCount,
  preview: session.preview,
  created_at: session.createdAt,
  updated_at: session.updatedAt,
  feedback_up: session.feedbackUp,
  feedback_down: session.feedbackDown,
  user: session.user,
})

export const messageJson = (message: StoredMessage) => ({
  seq: message.seq,
  role: message.role,
  content: message.content,
  status: message.status,
  trace_id: message.traceId,
  created_at: message.created_at,
  ...(message.sources && { sources: message.sources }),
  ...(message.author && { author: message.author }),
})

export const takeoverJson = (takeover: TakeoverRecord): Takeover => ({ by: takeover.byId, name: takeover.name, since: takeover.since })

export const traceJson = (trace: TraceRecord): TraceSummary => ({
  trace_id: trace.traceId,
  agent_id: trace.agentId,
  version: trace.version,
  session_id: trace.sessionId,
  scope: trace.scope,
  link_id: linkOfScope(trace.scope),
  request_id: trace.requestId,
  status: trace.status,
  started_at: trace.startedAt,
  first_token_ms: trace.firstTokenMs,
  time_to_first_token_ms: trace.firstTokenMs,
  total_ms: trace.totalMs,
  turns: trace.turns,
  input_tokens: trace.inputTokens,
  output_tokens: trace.outputTokens,
  tool_calls: trace.toolCalls,
  error: trace.error,
})
