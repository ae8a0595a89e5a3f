/** Owner API shapes: agents, their draft configuration, publishing and versions. */
import { z } from 'zod'
import { DEFAULTS, LIMITS } from './limits.ts'
import { McpServerSpecSchema } from './mcp.ts'
import { AccessSchema, ApiResponseModeSchema } from './protocol.ts'
import { HttpToolSpecSchema } from './tools.ts'

/** `provider:model-id`, or `demo` / `demo:instant` for the built-in offline model. */
export const ModelRefSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z][a-z0-9-]*(:[^\s]+)?$/, 'must look like provider:model-id (for example openai:gpt-4o-mini or demo)')

export const ToolSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('builtin'), name: z.enum(['current_time', 'create_file']) }),
  HttpToolSpecSchema,
  McpServerSpecSchema,
])
export type ToolSpec = z.infer<typeof ToolSpecSchema>

export const ThemeSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]{0,40}$/), z.string().max(200))

/** What an owner edits: the draft. A published version freezes a copy of it. */
export const AgentConfigSchema = z.object({
  instructions: z.string().max(LIMITS.instructionsChars).default(''),
  model: ModelRefSchema.default('demo'),
  temperature: z.number().min(0).max(2).default(DEFAULTS.temperature),
  max_turns: z.number().int().min(1).max(LIMITS.maxTurns).default(DEFAULTS.maxTurns),
  tools: z
    .array(ToolSpecSchema)
    .max(64)
    .refine((tools) => new Set(tools.map((tool) => tool.name)).size === tools.length, 'tool names must be unique within an agent')
    .default([]),
  welcome_message: z.string().max(LIMITS.welcomeMessageChars).default(''),
  starters: z.array(z.string().min(1).max(LIMITS.starterChars)).max(LIMITS.starters).default([]),
  theme: ThemeSchema.default({}),
  /** Whether visitors may attach images and text files to their messages. */
  attachments: z.boolean().default(false),
  /** The model's context window in tokens; null: the provider's usual size (see compression.ts). */
  context_window: z.number().int().min(1_000).max(10_000_000).nullable().default(null),
  /** Share of the context window at which older turns are summarised by the same model. */
  compress_at: z.number().min(0.2).max(0.95).default(DEFAULTS.compressAt),
})
export type AgentConfig = z.infer<typeof AgentConfigSchema>

const agentMeta = {
  name: z.string().trim().min(1).max(LIMITS.agentNameChars),
  description: z.string().max(LIMITS.agentDescriptionChars).default(''),
}

export const CreateAgentSchema = z.strictObject({ ...agentMeta, ...AgentConfigSchema.shape })
export type CreateAgent = z.infer<typeof CreateAgentSchema>

/** PATCH edits only the fields it names, and only the draft. */
export const UpdateAgentSchema = z
  .strictObject({
    name: agentMeta.name.optional(),
    description: z.string().max(LIMITS.agentDescriptionChars).optional(),
    instructions: AgentConfigSchema.shape.instructions.unwrap().optional(),
    model: ModelRefSchema.optional(),
    temperature: AgentConfigSchema.shape.temperature.unwrap().optional(),
    max_turns: AgentConfigSchema.shape.max_turns.unwrap().optional(),
    tools: AgentConfigSchema.shape.tools.unwrap().optional(),
    welcome_message: AgentConfigSchema.shape.welcome_message.unwrap().optional(),
    starters: AgentConfigSchema.shape.starters.unwrap().optional(),
    theme: AgentConfigSchema.shape.theme.unwrap().optional(),
    attachments: AgentConfigSchema.shape.attachments.unwrap().optional(),
    context_window: AgentConfigSchema.shape.context_window.unwrap().optional(),
    compress_at: AgentConfigSchema.shape.compress_at.unwrap().optional(),
    /** Who may embed the agent: exact origins; empty: any (applies at once, not frozen in versions). */
    allowed_origins: z.lazy(() => AllowedOriginsSchema).optional(),
    /** `link`: only share links open the agent; `public`: its id does too (applies at once, like publish's `access`). */
    access: AccessSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change')
export type UpdateAgent = z.infer<typeof UpdateAgentSchema>

export const PublishSchema = z.strictObject({
  api_response_mode: ApiResponseModeSchema.optional(),
  access: AccessSchema.optional(),
  description: z.string().max(LIMITS.versionDescriptionChars).optional(),
})
export type Publish = z.infer<typeof PublishSchema>

export const AgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  ...AgentConfigSchema.shape,
  published: z.boolean(),
  active_version: z.number().int().nullable(),
  api_response_mode: ApiResponseModeSchema,
  access: AccessSchema,
  allowed_origins: z.array(z.string()),
  /** True when the draft differs from the active version. */
  has_unpublished_changes: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
})
export type Agent = z.infer<typeof AgentSchema>

export const AgentVersionSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  version: z.number().int(),
  name: z.string(),
  config: AgentConfigSchema,
  description: z.string(),
  active: z.boolean(),
  created_at: z.string(),
})
export type AgentVersion = z.infer<typeof AgentVersionSchema>

export const PublishReplySchema = z.object({
  status: z.literal('success'),
  message: z.string(),
  version: z.object({ id: z.string(), version: z.number().int(), createdAt: z.string() }),
})
export type PublishReply = z.infer<typeof PublishReplySchema>

// ---------------------------------------------------------------- access: links and keys

/** An exact origin: scheme, host and port, as a browser sends it (`https://shop.example`). */
export const OriginSchema = z
  .string()
  .max(200)
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value
    } catch {
      return false
    }
  }, 'must be an origin such as https://shop.example (scheme, host and port only)')

export const AllowedOriginsSchema = z.array(OriginSchema).max(50)

const quota = z.number().int().min(1).max(10_000_000).nullable()

export const CreateLinkSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    /** An absolute expiry, or… */
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
    /** …a validity from now, in seconds. Neither: the link never expires. */
    expires_in_seconds: z
      .number()
      .int()
      .min(60)
      .max(10 * 365 * 24 * 3600)
      .optional(),
    password: z.string().min(4).max(200).nullable().optional(),
    enabled: z.boolean().default(true),
    quota_per_visitor_per_day: quota.optional(),
    quota_total: quota.optional(),
    allowed_origins: AllowedOriginsSchema.default([]),
  })
  .refine((link) => !(link.expires_at && link.expires_in_seconds), 'give expires_at or expires_in_seconds, not both')
export type CreateLink = z.infer<typeof CreateLinkSchema>

export const UpdateLinkSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
    expires_in_seconds: z
      .number()
      .int()
      .min(60)
      .max(10 * 365 * 24 * 3600)
      .optional(),
    /** A new password, or null to remove it. */
    password: z.string().min(4).max(200).nullable().optional(),
    enabled: z.boolean().optional(),
    quota_per_visitor_per_day: quota.optional(),
    quota_total: quota.optional(),
    allowed_origins: AllowedOriginsSchema.optional(),
    /** Issue a new URL token; the old URL stops working at once. */
    rotate_token: z.literal(true).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change')
  .refine((link) => !(link.expires_at && link.expires_in_seconds), 'give expires_at or expires_in_seconds, not both')
export type UpdateLink = z.infer<typeof UpdateLinkSchema>

export const CreateApiKeySchema = z.strictObject({ name: z.string().trim().min(1).max(200).default('API key') })

export const CreateOwnerKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(['owner', 'editor', 'viewer']),
  /** Limit the key to these agents; omit for all. */
  agent_ids: z.array(z.uuid()).min(1).max(1000).optional(),
})

// ------------------------------------------------ knowledge: the owner's documents the agent answers from

const webUrl = z
  .string()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }))
  // Pages are fetched as the public sees them: a password in a URL would be stored and shown with the source.
  .refine((url) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url), 'must not hold a user name or password')

const webTitle = z.string().trim().min(1).max(200).optional()
/** Pages one web source reads at most; the host's PORCH_KNOWLEDGE_MAX_PAGES may allow fewer (the route says so). */
const maxPages = z.number().int().min(1).max(1_000_000).optional()

/**
 * A pasted text (`text`), web pages (`url`: these pages, and with `follow_links` the pages they
 * link to under the same directory) or a sitemap's pages (`sitemap`, an index followed into its
 * sitemaps). Uploaded files go to `…/knowledge/files`.
 */
export const CreateKnowledgeSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('text'),
    title: z.string().trim().min(1).max(200),
    text: z.string().min(1, 'must not be empty'),
  }),
  z.strictObject({
    kind: z.literal('url'),
    urls: z.array(webUrl).min(1).max(100),
    title: webTitle,
    follow_links: z.boolean().optional(),
    max_pages: maxPages,
  }),
  z.strictObject({ kind: z.literal('sitemap'), url: webUrl, title: webTitle, max_pages: maxPages }),
])
export type CreateKnowledgeSource = z.infer<typeof CreateKnowledgeSourceSchema>

const versionParam = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, …)')
  .transform(Number)
  .optional()

/** `?version=N` reads a published version's knowledge; without it, the draft's. */
export const KnowledgeVersionQuerySchema = z.object({ version: versionParam })

export const KnowledgeSearchQuerySchema = z.object({
  q: z.string().max(2000),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(50))
    .optional(),
  version: versionParam,
})

export const KnowledgeSourceSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  kind: z.enum(['file', 'text', 'url', 'sitemap']),
  title: z.string(),
  origin: z.string(),
  content_type: z.string().nullable(),
  size: z.number().nullable(),
  /** `importing` until read: poll `GET …/knowledge/sources/{id}` for `ready` or `failed`. */
  status: z.enum(['importing', 'ready', 'failed']),
  /** Why it failed, in words for the owner; null otherwise. */
  error: z.string().nullable(),
  progress: z.object({ pages_done: z.number(), pages_total: z.number().nullable() }),
  /** Pages of a web source that were not imported, with why in words for the owner; [] for files and texts. */
  skipped_pages: z.array(z.object({ url: z.string(), reason: z.string() })),
  chunk_count: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
})
export type KnowledgeSource = z.infer<typeof KnowledgeSourceSchema>

export const KnowledgeChunkSchema = z.object({
  ordinal: z.number(),
  title: z.string(),
  heading_path: z.array(z.string()),
  url: z.string().nullable(),
  text: z.string(),
})

export const KnowledgeSourceDetailSchema = KnowledgeSourceSchema.extend({ chunks: z.array(KnowledgeChunkSchema) })
export type KnowledgeSourceDetail = z.infer<typeof KnowledgeSourceDetailSchema>

export const KnowledgeSourceListSchema = z.object({ sources: z.array(KnowledgeSourceSchema) })

export const KnowledgeSearchReplySchema = z.object({
  hits: z.array(
    z.object({
      source_id: z.string(),
      title: z.string(),
      heading_path: z.array(z.string()),
      url: z.string().nullable(),
      text: z.string(),
      /** Higher is better, within one reply: the full-text score, or with an embedding model the fused (RRF) score. */
      score: z.number(),
      rank: z.number(),
    }),
  ),
})
export type KnowledgeSearchReply = z.infer<typeof KnowledgeSearchReplySchema>

// ---------------------------------------------------------------- signed visitor identity

/** An agent's signed visitor identity settings; the secret itself is shown only when created. */
export const IdentitySettingsSchema = z.object({
  /** Whether the agent has an identity secret (sites sign user tokens with it). */
  has_secret: z.boolean(),
  /** Whether visitors without a valid user token are refused (401 `identity_required`). */
  require_identity: z.boolean(),
  /** When the settings last changed; null when never set. */
  updated_at: z.string().nullable(),
})
export type IdentitySettings = z.infer<typeof IdentitySettingsSchema>

/** A new identity secret, shown this once: the host keeps it sealed and never shows it again. */
export const IssuedIdentitySecretSchema = IdentitySettingsSchema.extend({ secret: z.string() })
export type IssuedIdentitySecret = z.infer<typeof IssuedIdentitySecretSchema>

export const UpdateIdentitySchema = z.object({ require_identity: z.boolean() })
export type UpdateIdentity = z.infer<typeof UpdateIdentitySchema>
