/**
 * Starts (or re-attaches to) a chat run for any entry point: the published API, links, keys and
 * the compat APIs all come through here, so they share one runtime, one persistence path and
 * one resume rule. In two steps: `open` checks the message (resume, shutdown, attachments) and
 * `start` starts its run; the route admits a new message in between (rate limits, quotas), so
 * admission stays in the route and still runs only for a new, checked message. The run goes on
 * in the background; callers attach to it to stream or wait.
 */
import { randomUUID } from 'node:crypto'
import type { AnswerSource, ChatRequest, ContentBlock, Message } from '../../../shared/index.ts'
import type { SearchKnowledge } from '../../knowledge/search.ts'
import type { Logger } from '../../log.ts'
import type { Scope } from '../../store/scope.ts'
import type { KnowledgeQuery, KnowledgeVersion, PublishedAgent, SessionKey, SessionRecord, Store } from '../../store/store.ts'
import { type AgentRunResult, type AttachmentData, compressIfNeeded, runAgent, type Visitor } from '../agent/index.ts'
import { ChatError } from '../errors.ts'
import type { ModelRegistry } from '../providers/index.ts'
import { type SessionEventBus, toSessionEvent } from '../takeover/index.ts'
import type { KnowledgeSearch, ToolContext } from '../tools/index.ts'
import { type FoundRun, Run, type RunBoard, type RunFeed } from './runs.ts'

export type ChatServiceDeps = {
  store: Store
  models: ModelRegistry
  /** Where runs are registered and found: this process, or every host sharing Redis. */
  runs: RunBoard
  log: Logger
  /** This host's instance (instance-lease.ts): its traces are interrupted only when it dies. */
  instanceId: string
  /** How long a run with a client-chosen request_id waits for a dropped client to resume. */
  resumeGraceMs: number
  /** Provider retries before a failure is reported (the AI SDK's maxRetries). */
  modelRetries?: number
  /** How long a model may make no progress before its run fails (model_timeout). */
  modelTimeoutMs?: number
  tools: ToolContext
  /** Knowledge search with the host's embedding model (host/knowledge/search.ts); the store's full-text search otherwise. */
  searchKnowledge?: SearchKnowledge
  /** Where a taken-over session's visitor messages are told to the person holding it (human takeover). */
  events?: SessionEventBus
}

export type StartChat = {
  published: PublishedAgent
  /** `public`, `link:<id>`, `key:<id>` or `try`: sessions never cross scopes. */
  scope: Scope
  request: ChatRequest
  /** Tokens streamed as they come (SSE), or whole replies from the provider (sync APIs). */
  streaming: boolean
  /** The client's Last-Event-ID: it saw this run before, so it may only re-attach. */
  resumeAfter?: number
  /** The visitor's URL of a file in a session; absent: files are kept but not announced (no route serves them). */
  downloadUrl?: (sessionId: string, fileId: string) => string
  /** The visitor's URL of a cited upload's or pasted text's file; absent: such sources go out without `file_url`. */
  knowledgeFileUrl?: (sourceId: string) => string
  /**
   * The verified visitor (signed visitor identity), null or absent for an anonymous one. A new
   * session is stored with `visitor.user.id`; an existing one answers only its own user. The
   * trace keeps `visitor.user.id` for analytics' unique visitors (without one, the session is the
   * visitor).
   */
  visitor?: Visitor | null
}

/**
 * A session belongs to the verified user who started it, or, started anonymously, to anonymous
 * visitors: to anyone else it does not exist. `userId`: the visitor's, null when anonymous.
 */
export const sessionOwnedBy = (session: SessionRecord, userId: string | null) => (session.user?.id ?? null) === userId

/** A new run's request, checked: its session, and the visitor's message as it will be stored. */
type PreparedRequest = { session: SessionKey; requestId: string; message: Message; attachments: AttachmentData }

export type StartedChat = { run: RunFeed; sessionId: string; requestId: string; reattached: boolean }

/**
 * A message that passed every check of the runtime, before its run starts. The route admits a
 * new one (rate limits, quotas: `ChatAccess.admit`) between `open` and `start`, so admission
 * runs once per new message, after the body and its attachments are checked, and never for a
 * resume.
 */
export type OpenedChat = {
  /** False when the request re-attaches to the run of its request_id: nothing is admitted again. */
  readonly isNew: boolean
  /** Starts the new run (claiming its attachments, writing its trace), or hands back the run it re-attaches to. */
  start(): Promise<StartedChat>
}

export type ChatService = {
  /** Checks a message (resume rule, shutdown, attachments); throws ChatError to refuse it. */
  open(input: StartChat): Promise<OpenedChat>
  /** Cancels a running run at once, on whichever host runs it (the visitor pressed Stop); false when there is none. */
  stop(agentId: string, scope: Scope, requestId: string): Promise<boolean>
  /**
   * The session's run in flight, wherever it runs, to follow from its first event; undefined
   * when none runs. Found through the session's running traces, so only a run whose request_id
   * the client chose (its events are shared) can be followed from another host.
   */
  running(agentId: string, scope: Scope, sessionId: string): Promise<RunFeed | undefined>
  /** Cancels the session's runs in flight, on whichever host runs them; false when none runs. */
  stopSession(agentId: string, scope: Scope, sessionId: string): Promise<boolean>
}

export function createChatService(deps: ChatServiceDeps): ChatService {
  const { store, models, runs, log } = deps
  /** Published versions (agent, version) and whether their frozen knowledge holds a chunk: see hasKnowledge. */
  const versionsWithKnowledge = new Map<string, boolean>()

  async function execute(run: Run, input: StartChat, prepared: PreparedRequest, traceId: string) {
    const { agent, version } = input.published
    const { session, requestId } = prepared
    const startedAt = performance.now()
    run.push({ event_type: 'run_started', turn: 0, trace_id: traceId, session_id: session.sessionId, request_id: requestId })

    let result: AgentRunResult
    let compressionTokens = { input: 0, output: 0 }
    try {
      const model = models.resolve(version.config.model)
      const context = await store.getModelContext(session)
      let history = context.messages.filter((message) => message.status !== 'error')
      let summary = context.summary && { text: context.summary.summary, throughSeq: context.summary.throughSeq }
      try {
        const compression = await compressIfNeeded({
          model,
          config: version.config,
          summary,
          history,
          request: prepared.message.content,
          signal: run.signal,
          maxRetries: deps.modelRetries,
        })
        if (compression) {
          await store.saveContextSummary(session, {
            throughSeq: compression.summary.throughSeq,
            summary: compression.summary.text,
            tokensBefore: compression.previousTokens,
          })
          run.push({ event_type: 'context_compressed', turn: 0, previous_tokens: compression.previousTokens, context_limit: compression.contextLimit })
          summary = compression.summary
          history = history.filter((message) => message.seq > compression.summary.throughSeq)
          compressionTokens = { input: compression.inputTokens, output: compression.outputTokens }
        }
      } catch (error) {
        // The run can still go ahead with the full history; the provider decides if it fits.
        if (!run.signal.aborted) log.error('context compression failed; this run sends the full history', error)
      }
      result = await runAgent({
        model,
        config: version.config,
        history,
        request: prepared.message,
        attachments: await attachmentData(session, [...history, prepared.message], prepared.attachments),
        summary,
        files: {
          save: async (file) => {
            const record = await store.saveFile({
              id: randomUUID(),
              ...session,
              kind: 'output',
              filename: file.filename,
              contentType: file.contentType,
              size: file.data.byteLength,
              traceId,
              data: file.data,
            })
            return { fileId: record.id, filename: record.filename, contentType: record.contentType, size: record.size }
          },
          downloadUrl: (fileId) => input.downloadUrl?.(session.sessionId, fileId) ?? null,
        },
        signal: run.signal,
        emit: (event) => run.push(event),
        streaming: input.streaming,
        tools: input.visitor ? { ...deps.tools, visitor: { id: input.visitor.user.id, sign: input.visitor.sign } } : deps.tools,
        knowledge: await knowledgeSearch(agent.id, version.version),
        visitor: input.visitor?.user ?? null,
        maxRetries: deps.modelRetries,
        modelTimeoutMs: deps.modelTimeoutMs,
      })
      result = { ...result, inputTokens: result.inputTokens + compressionTokens.input, outputTokens: result.outputTokens + compressionTokens.output }
    } catch (error) {
      // Only an unusable model or an unreadable session gets here (runAgent reports model failures itself).
      const message = error instanceof Error && error.name === 'ModelUnavailableError' ? error.message : 'The agent could not start.'
      if (message === 'The agent could not start.') log.error('run failed to start', error)
      result = emptyResult({ code: 'model_unavailable', message, detail: message })
    }

    const status = result.status === 'success' ? 'complete' : result.status
    try {
      await store.finishRun({
        session,
        user: input.visitor ? { id: input.visitor.user.id, name: input.visitor.user.name } : null,
        traceId,
        messages: [{ ...prepared.message, status }, ...withSources(result.messages, result.sources)],
        outcome: {
          status: result.status,
          firstTokenMs: result.firstTokenMs,
          totalMs: Math.round((performance.now() - startedAt) * 100) / 100,
          turns: result.turns,
          inputTokens: result.inputTokens,
          outputTokens: result.outputTokens,
          toolCalls: result.toolCalls,
          error: result.failure?.detail ?? null,
        },
      })
    } catch (error) {
      log.error('could not store a finished run', error)
      result = { ...result, status: 'error', failure: { code: 'storage_error', message: 'The answer could not be saved.', detail: 'storage error' } }
    }

    const turn = result.turns
    if (result.sources.length > 0) run.push({ event_type: 'sources', turn, sources: withFileUrls(result.sources, input.knowledgeFileUrl) })
    if (result.failure) run.push({ event_type: 'error', turn, message: result.failure.message, code: result.failure.code })
    run.push({
      event_type: 'complete',
      turn,
      success: result.status === 'success',
      answer: result.answer,
      total_turns: result.turns,
      total_input_tokens: result.inputTokens,
      total_output_tokens: result.outputTokens,
      ...(result.failure && { error: result.failure.message }),
    })
    if (result.failure?.code !== 'storage_error') run.push({ event_type: 'trace_saved', turn, trace_id: traceId })
    run.end()
  }

  /**
   * The search of the knowledge a run uses: a published version's, frozen with it, or the
   * draft's for try-it (version 0); none when that knowledge holds no chunk.
   */
  async function knowledgeSearch(agentId: string, versionNumber: number): Promise<KnowledgeSearch | undefined> {
    const version: KnowledgeVersion = versionNumber === 0 ? 'draft' : versionNumber
    if (!(await hasKnowledge(agentId, version))) return undefined
    const search = deps.searchKnowledge ?? ((query: KnowledgeQuery) => store.searchKnowledge(query))
    return (query, limit) => search({ agentId, version, query, limit })
  }

  /**
   * Whether that knowledge holds a chunk. A published version's knowledge is frozen with it, so
   * its answer is kept (a store query before every chat's first token otherwise); the draft's
   * (try-it) is read each time.
   */
  async function hasKnowledge(agentId: string, version: KnowledgeVersion): Promise<boolean> {
    const key = `${agentId}\n${version}`
    const known = version === 'draft' ? undefined : versionsWithKnowledge.get(key)
    if (known !== undefined) return known
    const found = (await store.listKnowledgeSources(agentId, version)).some((source) => source.chunkCount > 0)
    if (version !== 'draft') {
      if (versionsWithKnowledge.size >= VERSIONS_KEPT) versionsWithKnowledge.delete(versionsWithKnowledge.keys().next().value!)
      versionsWithKnowledge.set(key, found)
    }
    return found
  }

  /** The visitor's text and attachments as one message; unknown or disallowed attachments are refused (400). */
  async function visitorMessage(input: StartChat, session: SessionKey): Promise<{ message: Message; attachments: AttachmentData }> {
    const text: ContentBlock = { type: 'text', text: input.request.request }
    const ids = [...new Set(input.request.attachments ?? [])]
    if (ids.length === 0) return { message: { role: 'user', content: [text] }, attachments: new Map() }
    if (!input.published.version.config.attachments) throw new ChatError('attachments_disabled', 'This agent does not accept attachments.')
    if (input.request.session_id === undefined) throw new ChatError('invalid_request', 'attachments: give the session_id the files were uploaded to')
    const files = await store.getFiles(session, ids)
    const missing = ids.filter((id) => !files.some((file) => file.id === id && file.kind === 'attachment'))
    if (missing.length > 0) throw new ChatError('unknown_attachment', `No attachment ${missing[0]} in this session; upload it to the session first.`)
    const blocks: ContentBlock[] = files.map((file) => ({
      type: 'attachment',
      file_id: file.id,
      filename: file.filename,
      size: file.size,
      content_type: file.contentType,
    }))
    return { message: { role: 'user', content: [text, ...blocks] }, attachments: new Map(files.map((file) => [file.id, file.data])) }
  }

  /** Whether the session is stored yet; another user's session does not exist (sessionOwnedBy). */
  async function sessionStored(key: SessionKey, userId: string | null): Promise<boolean> {
    const session = await store.getSession(key)
    if (session && !sessionOwnedBy(session, userId)) throw new ChatError('not_found', 'Session not found')
    return session !== null
  }

  /**
   * Marks the message's attachments used, so the upload sweep keeps them: only once the message
   * is admitted (a refused one leaves them unused, to be swept), and before its run starts. An
   * attachment the sweep took since it was read is refused like an unknown one.
   */
  async function claimAttachments(session: SessionKey, ids: string[]): Promise<void> {
    if (ids.length === 0) return
    const claimed = await store.claimAttachments(session, ids)
    const gone = ids.find((id) => !claimed.includes(id))
    if (gone) throw new ChatError('unknown_attachment', `No attachment ${gone} in this session; upload it to the session again.`)
  }

  /** The bytes of every attachment the model will see, beyond those already loaded. */
  async function attachmentData(session: SessionKey, messages: Message[], loaded: AttachmentData): Promise<AttachmentData> {
    const wanted = messages.flatMap((message) =>
      message.content.flatMap((block) => (block.type === 'attachment' && !loaded.has(block.file_id) ? [block.file_id] : [])),
    )
    if (wanted.length === 0) return loaded
    const files = await store.getFiles(session, wanted)
    return new Map([...loaded, ...files.map((file) => [file.id, file.data] as const)])
  }

  /**
   * When a person holds the session (human takeover), the visitor's message is stored for them
   * and no model runs: the reply is a run that ends at once, `run_started` (no trace: its
   * `trace_id` is empty), `taken_over` (who holds the chat) and `complete` with an empty answer,
   * which old widgets read as an empty answer. Undefined when nobody holds the session (also
   * when it was handed back between the two reads): the agent answers.
   */
  async function heldReply(session: SessionKey, requestId: string, fingerprint: string, message: Message): Promise<StartedChat | undefined> {
    const holder = await store.getTakeover(session)
    if (!holder) return undefined
    const added = await store.addTakeoverMessage(session, { role: 'user', content: message.content })
    if (added.kind !== 'added') return undefined
    void deps.events?.publish(session, toSessionEvent(added.event))
    const run = new Run(fingerprint, 0)
    run.push({ event_type: 'run_started', turn: 0, trace_id: '', session_id: session.sessionId, request_id: requestId })
    run.push({ event_type: 'taken_over', turn: 0, name: holder.name })
    run.push({ event_type: 'complete', turn: 0, success: true, answer: '', total_turns: 0, total_input_tokens: 0, total_output_tokens: 0 })
    run.end()
    return { run, sessionId: session.sessionId, requestId, reattached: false }
  }

  /** The re-attachment to a run found under the request's key, or the reason it cannot be. */
  function reattach(found: FoundRun, fingerprint: string, requestId: string): OpenedChat {
    if (found.fingerprint !== fingerprint) {
      throw new ChatError('request_id_conflict', 'This request_id belongs to a different message; use a new request_id for a new message.')
    }
    if (found.gone) throw new ChatError('run_gone', 'The host running that answer stopped; its completed messages are in the session history.')
    const started: StartedChat = { run: found.feed, sessionId: found.sessionId, requestId, reattached: true }
    return { isNew: false, start: async () => started }
  }

  return {
    async open(input) {
      const { agent, version } = input.published
      const clientRequestId = input.request.request_id
      const requestId = clientRequestId ?? randomUUID()
      const key = runKey(agent.id, input.scope, requestId)
      const fingerprint = JSON.stringify([input.request.session_id ?? null, input.request.request, input.request.attachments ?? []])

      const existing = clientRequestId === undefined ? undefined : await runs.find(key)
      if (existing) return reattach(existing, fingerprint, requestId)

      if ((input.resumeAfter ?? 0) > 0) {
        throw new ChatError('run_gone', 'That run is no longer buffered; its messages are in the session history.')
      }
      if (runs.closed) throw new ChatError('shutting_down', 'The host is shutting down; no new run starts.')
      const sessionId = input.request.session_id ?? randomUUID()
      const session = { agentId: agent.id, scope: input.scope, sessionId }
      // A session not stored yet (a new one, or the widget's first message) has nobody holding it.
      const stored = input.request.session_id !== undefined && (await sessionStored(session, input.visitor?.user.id ?? null))
      const { message, attachments } = await visitorMessage(input, session)
      return {
        isNew: true,
        async start() {
          await claimAttachments(session, [...attachments.keys()])
          const held = stored ? await heldReply(session, requestId, fingerprint, message) : undefined
          if (held) return held
          const run = new Run(fingerprint, clientRequestId === undefined ? 0 : deps.resumeGraceMs)
          // The same request_id may have reached another host at the same moment: one run starts, the other request follows it.
          if (!(await runs.add(key, run, { fingerprint, sessionId, retain: clientRequestId !== undefined }))) {
            const winner = await runs.find(key)
            if (!winner) throw new ChatError('run_gone', 'That run is no longer buffered; its messages are in the session history.')
            return reattach(winner, fingerprint, requestId).start()
          }
          const traceId = randomUUID()
          try {
            await store.startTrace({
              traceId,
              instanceId: deps.instanceId,
              agentId: agent.id,
              version: version.version,
              sessionId,
              scope: input.scope,
              requestId,
              startedAt: new Date().toISOString(),
              ...(input.visitor && { visitor: input.visitor.user.id }),
            })
          } catch (error) {
            // A client that re-attaches to this request_id learns the run failed (its key is taken until it expires).
            const message = 'The answer could not be saved.'
            run.push({ event_type: 'error', turn: 0, message, code: 'storage_error' })
            run.push({
              event_type: 'complete',
              turn: 0,
              success: false,
              answer: '',
              total_turns: 0,
              total_input_tokens: 0,
              total_output_tokens: 0,
              error: message,
            })
            run.end()
            throw error
          }
          void execute(run, input, { session, requestId, message, attachments }, traceId).catch((error) => {
            log.error('run crashed', error)
            if (!run.ended) run.end()
          })
          return { run, sessionId, requestId, reattached: false }
        },
      }
    },

    stop: (agentId, scope, requestId) => runs.stop(runKey(agentId, scope, requestId), 'stopped by the visitor'),

    async running(agentId, scope, sessionId) {
      for (const requestId of await runningRequests(agentId, scope, sessionId)) {
        const found = await runs.find(runKey(agentId, scope, requestId))
        if (found && !found.gone && found.sessionId === sessionId) return found.feed
      }
      return undefined
    },

    async stopSession(agentId, scope, sessionId) {
      let stopped = false
      for (const requestId of await runningRequests(agentId, scope, sessionId)) {
        if (await runs.stop(runKey(agentId, scope, requestId), 'stopped by the visitor')) stopped = true
      }
      return stopped
    },
  }

  /** The request ids of the session's running traces, newest first. */
  async function runningRequests(agentId: string, scope: Scope, sessionId: string): Promise<string[]> {
    const traces = await store.listTraces({ agentId, scope, sessionId, status: 'running', limit: RUNNING_PER_SESSION })
    return traces.map((trace) => trace.requestId)
  }
}

/** How many running traces of one session are looked at (a session runs one at a time, unless clients race). */
const RUNNING_PER_SESSION = 10

/** How many published versions' knowledge answers are kept (oldest forgotten first). */
const VERSIONS_KEPT = 1_000

const runKey = (agentId: string, scope: Scope, requestId: string) => `${agentId}\n${scope}\n${requestId}`

/** The run's messages with its sources on the last assistant message, so the session's history keeps them. */
function withSources<T extends { role: Message['role'] }>(messages: T[], sources: AnswerSource[]): (T & { sources?: AnswerSource[] })[] {
  const last = messages.findLastIndex((message) => message.role === 'assistant')
  if (sources.length === 0 || last < 0) return messages
  return messages.map((message, index) => (index === last ? { ...message, sources } : message))
}

/** Sources as a visitor gets them: those without a page (uploads, pasted texts) link to their file where a route serves it. */
export function withFileUrls(sources: AnswerSource[], fileUrl: ((sourceId: string) => string) | undefined): AnswerSource[] {
  if (!fileUrl) return sources
  return sources.map((source) => (source.url === null ? { ...source, file_url: fileUrl(source.source_id) } : source))
}

function emptyResult(failure: AgentRunResult['failure']): AgentRunResult {
  return { status: 'error', messages: [], answer: '', turns: 0, inputTokens: 0, outputTokens: 0, toolCalls: [], sources: [], firstTokenMs: null, failure }
}
