/**
 * The visitor widget's calls of the host's chat API, on the shared client (widget/client). Types
 * come from shared/ (erased at build time); the widget does not bundle zod (6–25 KB brotli, a
 * quarter of its budget), so responses are checked here for the few fields it reads, and unknown
 * fields are ignored.
 */

import type { Conversation, PublishedAgentInfo, SessionHistory, SyncReply, UploadedAttachment } from '../../shared/protocol.ts'
import { ATTACHMENT_TYPES } from '../../shared/visitor-limits.ts'
import { HttpError, request } from '../client/http.ts'
import { authHeaders, type ChatTarget, chatUrls } from '../client/urls.ts'

const getJson = async (url: string, target: ChatTarget, signal?: AbortSignal): Promise<unknown> =>
  (await request(url, { headers: { accept: 'application/json', ...authHeaders(target) }, signal })).json()

export async function fetchInfo(target: ChatTarget, signal?: AbortSignal): Promise<PublishedAgentInfo> {
  const info = (await getJson(chatUrls(target).info, target, signal)) as Partial<PublishedAgentInfo>
  return {
    id: String(info.id ?? ''),
    name: String(info.name ?? ''),
    description: String(info.description ?? ''),
    api_response_mode: info.api_response_mode === 'non_streaming' ? 'non_streaming' : 'streaming',
    welcome_message: String(info.welcome_message ?? ''),
    starters: Array.isArray(info.starters) ? info.starters.filter((s): s is string => typeof s === 'string') : [],
    requires_password: info.requires_password === true,
    accepts_attachments: info.accepts_attachments === true,
    requires_identity: info.requires_identity === true,
  }
}

/** The signed-in user's conversations with this agent, newest first (one page). */
export async function fetchConversations(target: ChatTarget, signal?: AbortSignal): Promise<Pick<Conversation, 'session_id' | 'preview'>[]> {
  const list = (await getJson(chatUrls(target).conversations, target, signal)) as { conversations?: Conversation[] }
  return (list.conversations ?? []).map((c) => ({ session_id: String(c.session_id), preview: String(c.preview ?? '') }))
}

const TYPE_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  txt: 'text/plain',
  json: 'application/json',
}

/** The type the host checks a file against; browsers leave it empty (or vague) for some text files. */
export function attachmentType(file: { name: string; type: string }): string | null {
  const allowed: readonly string[] = [...ATTACHMENT_TYPES.images, ...ATTACHMENT_TYPES.text]
  if (allowed.includes(file.type)) return file.type
  return TYPE_BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? null
}

/** Uploads one attachment to the session; its `file_id` then goes with the message. */
export async function uploadAttachment(target: ChatTarget, sessionId: string, file: File, signal?: AbortSignal): Promise<UploadedAttachment> {
  const headers = { 'content-type': attachmentType(file) ?? file.type, ...authHeaders(target) }
  return (await request(chatUrls(target).attachments(sessionId, file.name), { method: 'POST', headers, body: file, signal })).json()
}

/** The session's history, or null when the host does not know the session (any more). */
export async function fetchHistory(target: ChatTarget, sessionId: string, signal?: AbortSignal): Promise<SessionHistory | null> {
  try {
    const history = (await getJson(chatUrls(target).session(sessionId), target, signal)) as SessionHistory
    return Array.isArray(history?.messages) ? history : null
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null
    throw error
  }
}

/** Rates the session's answer `seq` (a comment may go with it), or takes the rating back (`null`). */
export async function sendFeedback(
  target: ChatTarget,
  sessionId: string,
  seq: number,
  feedback: { rating: 'up' | 'down'; comment?: string } | null,
): Promise<void> {
  const headers = { 'content-type': 'application/json', ...authHeaders(target) }
  const url = chatUrls(target).feedback(sessionId, seq)
  await request(url, feedback ? { method: 'PUT', headers, body: JSON.stringify(feedback) } : { method: 'DELETE', headers: authHeaders(target) })
}

export async function postSync(target: ChatTarget, body: object, signal?: AbortSignal): Promise<SyncReply> {
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...authHeaders(target) }
  return (await request(chatUrls(target).sync, { method: 'POST', headers, body: JSON.stringify(body), signal })).json()
}
