/**
 * The widget's view of the host's HTTP API. Types come from shared/ (erased at build time);
 * the widget does not bundle zod (6–25 KB brotli, a quarter of its budget), so responses are
 * checked here for the few fields it reads, and unknown fields are ignored.
 */
import { ATTACHMENT_TYPES } from '../shared/limits.ts'
import type { PublishedAgentInfo, SessionHistory, StreamEvent, SyncReply, UploadedAttachment } from '../shared/protocol.ts'

export type { PublishedAgentInfo, SessionHistory, StreamEvent, SyncReply, UploadedAttachment }

/** Where a widget's chat lives: a published agent, or a share link (with its visitor token once unlocked). */
export type ChatTarget = { host: string; agent?: string; link?: string; visitorToken?: string }

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds the host asked us to wait (Retry-After), when it did. */
    readonly retryAfter: number | null,
  ) {
    super(message)
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, '')

/** `/api/v1/published/{agent}` or `/api/v1/links/{token}`: the same sub-paths under each. */
export function apiBase(target: ChatTarget): string {
  const host = trimSlash(target.host)
  if (target.link) return `${host}/api/v1/links/${encodeURIComponent(target.link)}`
  return `${host}/api/v1/published/${encodeURIComponent(target.agent ?? '')}`
}

export function authHeaders(target: ChatTarget): Record<string, string> {
  return target.visitorToken ? { authorization: `Bearer ${target.visitorToken}` } : {}
}

/** Turns a non-2xx response into an HttpError carrying the host's own message. */
export async function errorFrom(response: Response): Promise<HttpError> {
  let code = 'http_error'
  let message = `The chat service answered ${response.status}.`
  try {
    const body = await response.json()
    if (typeof body?.error?.message === 'string') message = body.error.message
    if (typeof body?.error?.code === 'string') code = body.error.code
  } catch {
    // Not JSON (a proxy's error page): keep the generic message.
  }
  const retryAfter = Number(response.headers.get('retry-after'))
  return new HttpError(response.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null)
}

async function getJson(url: string, target: ChatTarget, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...authHeaders(target) }, signal })
  if (!response.ok) throw await errorFrom(response)
  return response.json()
}

export async function fetchInfo(target: ChatTarget, signal?: AbortSignal): Promise<PublishedAgentInfo> {
  const info = (await getJson(apiBase(target), target, signal)) as Partial<PublishedAgentInfo>
  return {
    id: String(info.id ?? ''),
    name: String(info.name ?? ''),
    description: String(info.description ?? ''),
    api_response_mode: info.api_response_mode === 'non_streaming' ? 'non_streaming' : 'streaming',
    welcome_message: String(info.welcome_message ?? ''),
    starters: Array.isArray(info.starters) ? info.starters.filter((s): s is string => typeof s === 'string') : [],
    requires_password: info.requires_password === true,
    accepts_attachments: info.accepts_attachments === true,
  }
}

const TYPE_BY_EXTENSION: Record<string, string> = { md: 'text/markdown', markdown: 'text/markdown', csv: 'text/csv', txt: 'text/plain', json: 'application/json' }

/** The type the host checks a file against; browsers leave it empty (or vague) for some text files. */
export function attachmentType(file: { name: string; type: string }): string | null {
  const allowed: readonly string[] = [...ATTACHMENT_TYPES.images, ...ATTACHMENT_TYPES.text]
  if (allowed.includes(file.type)) return file.type
  return TYPE_BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? null
}

/** Uploads one attachment to the session; its `file_id` then goes with the message. */
export async function uploadAttachment(target: ChatTarget, sessionId: string, file: File, signal?: AbortSignal): Promise<UploadedAttachment> {
  const url = `${apiBase(target)}/sessions/${encodeURIComponent(sessionId)}/attachments?filename=${encodeURIComponent(file.name)}`
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': attachmentType(file) ?? file.type, ...authHeaders(target) }, body: file, signal })
  if (!response.ok) throw await errorFrom(response)
  return (await response.json()) as UploadedAttachment
}

/** The session's history, or null when the host does not know the session (any more). */
export async function fetchHistory(target: ChatTarget, sessionId: string, signal?: AbortSignal): Promise<SessionHistory | null> {
  try {
    const history = (await getJson(`${apiBase(target)}/sessions/${encodeURIComponent(sessionId)}`, target, signal)) as SessionHistory
    return Array.isArray(history?.messages) ? history : null
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null
    throw error
  }
}

export async function postSync(target: ChatTarget, body: object, signal?: AbortSignal): Promise<SyncReply> {
  const response = await fetch(`${apiBase(target)}/chat/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders(target) },
    body: JSON.stringify(body),
    signal,
  })
  if (!response.ok) throw await errorFrom(response)
  return (await response.json()) as SyncReply
}

const EVENT_TYPES = new Set<string>(['run_started', 'turn_start', 'text_delta', 'tool_call', 'tool_result', 'output_file', 'context_compressed', 'complete', 'trace_saved', 'error'])

/** A stream event the widget knows, or null for anything else (a newer host may send more). */
export function readEvent(data: string): StreamEvent | null {
  try {
    const value = JSON.parse(data)
    return value && typeof value === 'object' && EVENT_TYPES.has(value.event_type) ? (value as StreamEvent) : null
  } catch {
    return null
  }
}
