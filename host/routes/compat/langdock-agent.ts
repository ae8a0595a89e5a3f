/**
 * Langdock's agent fields ↔ Porch's. Requests are read under Langdock's names, mapped to Porch's
 * CreateAgentSchema / UpdateAgentSchema and checked by them, so the owner API and this one
 * validate an agent the same way; replies are derived from the owner API's agentJson.
 *
 * | Langdock | Porch |
 * |---|---|
 * | `name`, `description` | same |
 * | `instruction` (or `instructions`) | `instructions` |
 * | `model` | `model` (`provider:model-id` or `demo`) |
 * | `creativity` (or `temperature`) | `temperature` |
 * | `conversationStarters` | `starters` |
 * | `emoji` | accepted and ignored (Porch agents have no icon) |
 *
 * Any other Langdock field (actions, webSearch, inputFields, attachments…) is a 400 naming it:
 * Porch cannot honour it, and silently dropping a capability would mislead the caller.
 */
import { z } from 'zod'
import { AgentConfigSchema, CreateAgentSchema, LIMITS, ModelRefSchema, UpdateAgentSchema } from '../../../shared/index.ts'
import { ApiError } from '../../http/errors.ts'
import { check } from '../../http/validate.ts'
import type { AgentRecord } from '../../store/store.ts'
import { type AgentState, agentJson } from '../owner/present.ts'
import { requireKnownModel } from '../owner/publishing.ts'

const config = AgentConfigSchema.shape

const langdockFields = {
  name: CreateAgentSchema.shape.name,
  /** Langdock clears description and instruction with null. */
  description: z.string().max(LIMITS.agentDescriptionChars).nullable().optional(),
  emoji: z.string().max(16).nullable().optional(),
  instruction: config.instructions.unwrap().nullable().optional(),
  instructions: config.instructions.unwrap().nullable().optional(),
  model: ModelRefSchema.optional(),
  creativity: config.temperature.unwrap().optional(),
  temperature: config.temperature.unwrap().optional(),
  conversationStarters: config.starters.unwrap().optional(),
}

const oneSpelling = (fields: { instruction?: unknown; instructions?: unknown; creativity?: unknown; temperature?: unknown }) =>
  !(fields.instruction !== undefined && fields.instructions !== undefined) && !(fields.creativity !== undefined && fields.temperature !== undefined)
const oneSpellingMessage = 'give instruction or instructions (and creativity or temperature), not both'

export const LangdockCreateSchema = z.strictObject(langdockFields).refine(oneSpelling, oneSpellingMessage)
export const LangdockUpdateSchema = z
  .strictObject({ agentId: z.uuid(), ...langdockFields, name: langdockFields.name.optional() })
  .refine(oneSpelling, oneSpellingMessage)
export const LangdockPublishSchema = z.strictObject({
  agentId: z.uuid(),
  description: z.string().max(LIMITS.versionDescriptionChars).optional(),
})

type LangdockFields = Omit<z.infer<typeof LangdockUpdateSchema>, 'agentId'>

/** Langdock's names → Porch's, leaving out what the caller did not send. */
function toPorch(fields: LangdockFields): Record<string, unknown> {
  const instructions = fields.instruction !== undefined ? fields.instruction : fields.instructions
  const porch: Record<string, unknown> = {
    name: fields.name,
    description: fields.description === null ? '' : fields.description,
    instructions: instructions === null ? '' : instructions,
    model: fields.model,
    temperature: fields.creativity ?? fields.temperature,
    starters: fields.conversationStarters,
  }
  for (const key of Object.keys(porch)) if (porch[key] === undefined) delete porch[key]
  return porch
}

export function newAgentFrom(fields: z.infer<typeof LangdockCreateSchema>) {
  const { name, description, ...config } = check(CreateAgentSchema, toPorch(fields))
  requireKnownModel(config.model)
  return { name, description, config }
}

export function agentPatchFrom(fields: LangdockFields) {
  if (Object.keys(toPorch(fields)).length === 0) throw new ApiError(400, 'invalid_request', 'name at least one field Porch can change')
  const { name, description, allowed_origins: _ignored, ...config } = check(UpdateAgentSchema, toPorch(fields))
  requireKnownModel(config.model)
  return { name, description, config }
}

/**
 * An agent under Langdock's names. `shown` picks the configuration: the draft (after create and
 * update) or, as Langdock's get and list do, the active version when there is one.
 */
export function langdockAgent(agent: AgentRecord, state: AgentState, shown: 'draft' | 'active') {
  const porch = agentJson(agent, state)
  const { active } = state
  const view = shown === 'active' && active ? { name: active.name, description: active.agentDescription, ...active.config } : porch
  return {
    id: porch.id,
    name: view.name,
    description: view.description,
    instruction: view.instructions,
    model: view.model,
    creativity: view.temperature,
    conversationStarters: view.starters,
    published: porch.published,
    activeVersion: porch.active_version,
    hasUnpublishedChanges: porch.has_unpublished_changes,
    createdAt: porch.created_at,
    updatedAt: porch.updated_at,
  }
}

// ---------------------------------------------------------------- list paging

export const LangdockListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
})

type Cursor = { createdAt: string; id: string }

/** An opaque cursor: the position (created_at, id) of the last agent of the page. */
export const encodeCursor = (agent: AgentRecord) => Buffer.from(JSON.stringify([agent.createdAt, agent.id])).toString('base64url')

export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[]
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id }
  } catch {
    // fall through to the 400
  }
  throw new ApiError(400, 'invalid_request', 'cursor: not a cursor this API returned')
}

/**
 * Whether `agent` comes after the cursor in the store's order (newest first, then by id).
 * A position rather than an offset, so agents created or deleted between pages shift nothing.
 */
export const isAfter = (agent: AgentRecord, cursor: Cursor) =>
  agent.createdAt < cursor.createdAt || (agent.createdAt === cursor.createdAt && agent.id > cursor.id)
