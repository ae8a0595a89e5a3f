/**
 * Owner API, knowledge: the documents, texts and web pages an agent answers from. Adding a source answers
 * 201 with it `ready` (or `failed`) when it is read within `WAIT_MS`, else 202 with it
 * `importing`: poll `GET …/knowledge/sources/{id}`. Every role reads; writing needs an editor
 * (ownerAuth). Reads take `?version=N` for what a published version holds; the draft otherwise.
 */
import { type Context, Hono } from 'hono'
import {
  CreateKnowledgeSourceSchema,
  KnowledgeSearchQuerySchema,
  type KnowledgeSearchReply,
  type KnowledgeSource,
  type KnowledgeSourceDetail,
  KnowledgeVersionQuerySchema,
} from '../../../shared/index.ts'
import { reachableAgent } from '../../auth/owner-auth.ts'
import { bodyLimit } from '../../fast-paths/body-limit.ts'
import { attachmentDisposition, sizeText } from '../../http/attachments.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError, errorBody, notFound } from '../../http/errors.ts'
import { knowledgeSourceIdParam } from '../../http/ids.ts'
import { readJson, readQuery } from '../../http/validate.ts'
import { type Import, type KnowledgeImporter, KnowledgeLimitError, type WebSourceRequest } from '../../knowledge/importer.ts'
import type { SearchKnowledge } from '../../knowledge/search.ts'
import { plainContentType, safeFilename } from '../../runtime/tools/output-files.ts'
import type { KnowledgeChunk, KnowledgeSourceRecord, KnowledgeVersion, Store } from '../../store/store.ts'

export type KnowledgeOwnerDeps = {
  store: Store
  importer: KnowledgeImporter
  /** Knowledge search with the host's embedding model (host/knowledge/search.ts); the store's full-text search otherwise. */
  search?: SearchKnowledge
}

/** How long adding a source waits for it to be read before answering 202: most files take under a second. */
const WAIT_MS = 2_000

export const knowledgeSourceJson = (source: KnowledgeSourceRecord): KnowledgeSource => ({
  id: source.id,
  agent_id: source.agentId,
  kind: source.kind,
  title: source.title,
  origin: source.origin,
  content_type: source.contentType,
  size: source.size,
  status: source.status,
  error: source.error,
  progress: { pages_done: source.progress.pagesDone, pages_total: source.progress.pagesTotal },
  skipped_pages: source.skippedPages,
  chunk_count: source.chunkCount,
  created_at: source.createdAt,
  updated_at: source.updatedAt,
})

const chunkJson = (chunk: KnowledgeChunk) => ({
  ordinal: chunk.ordinal,
  title: chunk.title,
  heading_path: chunk.headingPath,
  url: chunk.url,
  text: chunk.text,
})

const versionOf = (c: Context): KnowledgeVersion => readQuery(c, KnowledgeVersionQuerySchema).version ?? 'draft'

export function ownerKnowledgeRoutes({ store, importer, search = (query) => store.searchKnowledge(query) }: KnowledgeOwnerDeps) {
  const fileLimit = importer.limits.fileBytes
  const tooLarge = () => new ApiError(413, 'payload_too_large', `Knowledge files may be at most ${sizeText(fileLimit)}.`)

  /** Starts the import, then answers with the source once read, or `importing` after WAIT_MS. */
  async function added(c: Context, begin: () => Promise<Import | null>) {
    let started: Import | null
    try {
      started = await begin()
    } catch (error) {
      if (!(error instanceof KnowledgeLimitError)) throw error
      if (error.limit === 'file_bytes') throw new ApiError(413, 'payload_too_large', error.message)
      throw new ApiError(409, 'knowledge_source_limit', error.message)
    }
    if (!started) throw notFound('Agent')
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, WAIT_MS)
    })
    await Promise.race([started.done, waited])
    clearTimeout(timer)
    const source = (await store.getKnowledgeSource(started.source.agentId, started.source.id)) ?? started.source
    return c.json(knowledgeSourceJson(source), source.status === 'importing' ? 202 : 201)
  }

  async function sourceOf(agentId: string, sourceIdValue: string, version: KnowledgeVersion) {
    const source = await store.getKnowledgeSource(agentId, knowledgeSourceIdParam(sourceIdValue), version)
    if (!source) throw notFound('Knowledge source')
    return source
  }

  return new Hono<OwnerEnv>()
    .post('/agents/:id/knowledge/sources', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const body = await readJson(c, CreateKnowledgeSourceSchema)
      if (body.kind === 'text') {
        if (new TextEncoder().encode(body.text).byteLength > fileLimit) throw tooLarge()
        return added(c, () => importer.importText(agent.id, { title: body.title, text: body.text }))
      }
      const pageLimit = importer.limits.pagesPerSource
      if (body.max_pages !== undefined && body.max_pages > pageLimit) {
        throw new ApiError(400, 'invalid_request', `max_pages may be at most ${pageLimit} on this host.`)
      }
      const request: WebSourceRequest =
        body.kind === 'url'
          ? { kind: 'url', urls: body.urls, title: body.title, followLinks: body.follow_links, maxPages: body.max_pages }
          : { kind: 'sitemap', url: body.url, title: body.title, maxPages: body.max_pages }
      return added(c, () => importer.importWeb(agent.id, request))
    })
    .post('/agents/:id/knowledge/sources/:sourceId/refresh', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const source = await sourceOf(agent.id, c.req.param('sourceId'), 'draft')
      if (source.kind !== 'url' && source.kind !== 'sitemap') {
        throw new ApiError(409, 'not_refreshable', 'Only web sources (pages and sitemaps) can be refreshed; upload a changed file as a new source.')
      }
      const refreshed = await importer.refresh(agent.id, source.id)
      if (refreshed === null) throw notFound('Knowledge source')
      if (refreshed === 'importing') throw new ApiError(409, 'already_importing', 'This source is being read now; refresh it once it is done.')
      return c.json(knowledgeSourceJson(refreshed.source), 202)
    })
    .post(
      '/agents/:id/knowledge/files',
      bodyLimit({
        maxSize: fileLimit,
        onError: (c) => {
          // The unread rest of the body is still on the socket: close it rather than reuse it.
          c.header('Connection', 'close')
          return c.json(errorBody('payload_too_large', `Knowledge files may be at most ${sizeText(fileLimit)}.`), 413)
        },
      }),
      async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const filename = safeFilename(c.req.query('filename') ?? '', '')
        if (filename === '') throw new ApiError(400, 'invalid_request', 'Name the file: ?filename=guide.md (its extension picks how it is read).')
        const bytes = new Uint8Array(await c.req.arrayBuffer())
        if (bytes.byteLength === 0) throw new ApiError(400, 'invalid_request', 'The file is empty.')
        // curl's --data-binary sends form-urlencoded unless told otherwise: that names no file type, the extension does.
        const declared = c.req.header('content-type')
        const contentType = !declared || /^application\/x-www-form-urlencoded\b/i.test(declared) ? 'application/octet-stream' : declared
        return added(c, () => importer.importFile(agent.id, { filename, contentType, bytes }))
      },
    )
    .get('/agents/:id/knowledge/sources', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const sources = await store.listKnowledgeSources(agent.id, versionOf(c))
      return c.json({ sources: sources.map(knowledgeSourceJson) }, 200)
    })
    .get('/agents/:id/knowledge/sources/:sourceId', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const version = versionOf(c)
      const source = await sourceOf(agent.id, c.req.param('sourceId'), version)
      const chunks = await store.listKnowledgeChunks(agent.id, source.id, version)
      const reply: KnowledgeSourceDetail = { ...knowledgeSourceJson(source), chunks: chunks.map(chunkJson) }
      return c.json(reply, 200)
    })
    .get('/agents/:id/knowledge/sources/:sourceId/file', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const version = versionOf(c)
      const source = await sourceOf(agent.id, c.req.param('sourceId'), version)
      const file = await store.getKnowledgeFile(agent.id, source.id, version)
      if (!file) throw notFound('Knowledge file')
      // Always a download, never rendered: an uploaded HTML page must not run on the host's origin.
      return c.body(file.data as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': plainContentType(file.contentType),
        'Content-Disposition': attachmentDisposition(safeFilename(file.filename)),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cache-Control': 'private, no-store',
      })
    })
    .delete('/agents/:id/knowledge/sources/:sourceId', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const deleted = await store.deleteKnowledgeSource(agent.id, knowledgeSourceIdParam(c.req.param('sourceId')))
      if (!deleted) throw notFound('Knowledge source')
      return c.body(null, 204)
    })
    .get('/agents/:id/knowledge/search', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const query = readQuery(c, KnowledgeSearchQuerySchema)
      const hits = await search({ agentId: agent.id, version: query.version ?? 'draft', query: query.q, limit: query.limit ?? 10 })
      const reply: KnowledgeSearchReply = {
        hits: hits.map((hit) => ({
          source_id: hit.sourceId,
          title: hit.title,
          heading_path: hit.headingPath,
          url: hit.url,
          text: hit.text,
          score: hit.score,
          rank: hit.rank,
        })),
      }
      return c.json(reply, 200)
    })
}
