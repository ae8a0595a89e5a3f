/**
 * The owner API (`/api/v1`, bearer: the admin token or an owner key): agents and their
 * versions, chat keys, owner keys, share links and knowledge. Bodies are typed by the shared
 * schemas' inputs; the host checks them (a 400 `invalid_request` names the field), and every
 * reply is checked against the shared schema of its shape.
 */
import { z } from 'zod'
import {
  ApiKeySchema,
  EmbedSnippetsSchema,
  IssuedApiKeySchema,
  IssuedLinkSchema,
  IssuedOwnerKeySchema,
  LinkSchema,
  LinkWarningSchema,
  OwnerKeySchema,
} from '../console.ts'
import {
  AgentSchema,
  AgentVersionSchema,
  type CreateAgentSchema,
  type CreateKnowledgeSourceSchema,
  type CreateLinkSchema,
  type CreateOwnerKeySchema,
  KnowledgeSearchReplySchema,
  KnowledgeSourceDetailSchema,
  KnowledgeSourceListSchema,
  KnowledgeSourceSchema,
  PublishReplySchema,
  type PublishSchema,
  type UpdateAgentSchema,
  type UpdateLinkSchema,
} from '../owner.ts'
import type { Transport } from './transport.ts'

const AgentListSchema = z.object({ agents: z.array(AgentSchema) })
const VersionListSchema = z.object({ versions: z.array(AgentVersionSchema) })
const ApiKeyListSchema = z.object({ keys: z.array(ApiKeySchema) })
const OwnerKeyListSchema = z.object({ owner_keys: z.array(OwnerKeySchema) })
const LinkListSchema = z.object({ links: z.array(LinkSchema) })
/** PATCH answers the link and its warnings, plus the new token and snippets when it rotated the token. */
const UpdatedLinkSchema = IssuedLinkSchema.partial({ token: true, url: true, script_url: true, integrity: true, script: true, iframe: true }).extend({
  warnings: z.array(LinkWarningSchema),
})

const at = (...parts: (string | number)[]) => parts.map((part) => `/${encodeURIComponent(part)}`).join('')

export function agentsApi(http: Transport) {
  return {
    create: (agent: z.input<typeof CreateAgentSchema>) => http.json(AgentSchema, '/api/v1/agents', { method: 'POST', json: agent }),
    list: async () => (await http.json(AgentListSchema, '/api/v1/agents')).agents,
    get: (agentId: string) => http.json(AgentSchema, `/api/v1/agents${at(agentId)}`),
    /** Changes the draft only (and `access`, `allowed_origins`, which apply at once); publish to let visitors see it. */
    update: (agentId: string, patch: z.input<typeof UpdateAgentSchema>) =>
      http.json(AgentSchema, `/api/v1/agents${at(agentId)}`, { method: 'PATCH', json: patch }),
    delete: (agentId: string) => http.empty(`/api/v1/agents${at(agentId)}`, { method: 'DELETE' }),
    /** Freezes the draft into a new version and makes it the active one (or re-activates an equal one). */
    publish: (agentId: string, options: z.input<typeof PublishSchema> = {}) =>
      http.json(PublishReplySchema, `/api/v1/agents${at(agentId, 'publish')}`, { method: 'POST', json: options }),
    unpublish: (agentId: string) => http.json(AgentSchema, `/api/v1/agents${at(agentId, 'unpublish')}`, { method: 'POST' }),
    versions: async (agentId: string) => (await http.json(VersionListSchema, `/api/v1/agents${at(agentId, 'versions')}`)).versions,
    activateVersion: (agentId: string, version: number) =>
      http.json(AgentSchema, `/api/v1/agents${at(agentId, 'versions', version, 'activate')}`, { method: 'POST' }),
    /** The script and iframe snippets that put the agent on a site. */
    embed: (agentId: string) => http.json(EmbedSnippetsSchema, `/api/v1/agents${at(agentId, 'embed')}`),
  }
}

export function keysApi(http: Transport) {
  return {
    /** A chat key for servers; `key` (KEY.SECRET) is in this reply only. */
    create: (agentId: string, key: { name?: string } = {}) =>
      http.json(IssuedApiKeySchema, `/api/v1/agents${at(agentId, 'keys')}`, { method: 'POST', json: key }),
    list: async (agentId: string) => (await http.json(ApiKeyListSchema, `/api/v1/agents${at(agentId, 'keys')}`)).keys,
    /** A new secret; the old one stops working at once. */
    refresh: (keyId: string) => http.json(IssuedApiKeySchema, `/api/v1/keys${at(keyId, 'refresh')}`, { method: 'POST' }),
    delete: (keyId: string) => http.empty(`/api/v1/keys${at(keyId)}`, { method: 'DELETE' }),
  }
}

export function ownerKeysApi(http: Transport) {
  return {
    create: (key: z.input<typeof CreateOwnerKeySchema>) => http.json(IssuedOwnerKeySchema, '/api/v1/owner-keys', { method: 'POST', json: key }),
    list: async () => (await http.json(OwnerKeyListSchema, '/api/v1/owner-keys')).owner_keys,
    delete: (keyId: string) => http.empty(`/api/v1/owner-keys${at(keyId)}`, { method: 'DELETE' }),
  }
}

export function linksApi(http: Transport) {
  return {
    /** A share link; its `token`, `url` and snippets are in this reply only. */
    create: (agentId: string, link: z.input<typeof CreateLinkSchema>) =>
      http.json(IssuedLinkSchema, `/api/v1/agents${at(agentId, 'links')}`, { method: 'POST', json: link }),
    list: async (agentId: string) => (await http.json(LinkListSchema, `/api/v1/agents${at(agentId, 'links')}`)).links,
    update: (linkId: string, patch: z.input<typeof UpdateLinkSchema>) =>
      http.json(UpdatedLinkSchema, `/api/v1/links${at(linkId)}`, { method: 'PATCH', json: patch }),
    delete: (linkId: string) => http.empty(`/api/v1/links${at(linkId)}`, { method: 'DELETE' }),
  }
}

/** `version`: a published version's knowledge; the draft's when omitted. */
type Version = { version?: number }

export function knowledgeApi(http: Transport) {
  const sources = (agentId: string, ...rest: string[]) => `/api/v1/agents${at(agentId, 'knowledge', 'sources', ...rest)}`
  return {
    /**
     * Adds a pasted text (`kind: 'text'`) or web pages (`url`, `sitemap`). The source comes back
     * `ready` (or `failed`) when read within about two seconds, else `importing`: `waitUntilRead`
     * polls it.
     */
    add: (agentId: string, source: z.input<typeof CreateKnowledgeSourceSchema>) =>
      http.json(KnowledgeSourceSchema, sources(agentId), { method: 'POST', json: source }),
    /** Reads a web source again (202, `importing`); `not_refreshable` for files and texts, `already_importing` while it is read. */
    refresh: (agentId: string, sourceId: string) => http.json(KnowledgeSourceSchema, sources(agentId, sourceId, 'refresh'), { method: 'POST' }),
    /** Adds a file (markdown, HTML, PDF, CSV, JSON or text: its extension picks the reader). */
    addFile: (agentId: string, file: { filename: string; bytes: Uint8Array | Blob; contentType?: string }) =>
      http.json(KnowledgeSourceSchema, `/api/v1/agents${at(agentId, 'knowledge', 'files')}`, {
        method: 'POST',
        bytes: file.bytes,
        contentType: file.contentType,
        query: { filename: file.filename },
      }),
    list: async (agentId: string, options: Version = {}) => (await http.json(KnowledgeSourceListSchema, sources(agentId), { query: options })).sources,
    /** The source with its chunks. */
    get: (agentId: string, sourceId: string, options: Version = {}) => http.json(KnowledgeSourceDetailSchema, sources(agentId, sourceId), { query: options }),
    delete: (agentId: string, sourceId: string) => http.empty(sources(agentId, sourceId), { method: 'DELETE' }),
    /** The passages the agent's `search_knowledge` tool would find, best first. */
    search: async (agentId: string, q: string, options: Version & { limit?: number } = {}) =>
      (await http.json(KnowledgeSearchReplySchema, `/api/v1/agents${at(agentId, 'knowledge', 'search')}`, { query: { q, ...options } })).hits,
    /** Polls a source until it is no longer `importing`. */
    async waitUntilRead(agentId: string, sourceId: string, { intervalMs = 500, signal }: { intervalMs?: number; signal?: AbortSignal } = {}) {
      for (;;) {
        const source = await http.json(KnowledgeSourceSchema, sources(agentId, sourceId), { signal })
        if (source.status !== 'importing') return source
        await new Promise((resolve) => setTimeout(resolve, intervalMs))
        signal?.throwIfAborted()
      }
    },
  }
}
