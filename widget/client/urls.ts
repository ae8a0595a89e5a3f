/**
 * Every chat path, built in one place: the visitor API of a published agent or a share link
 * (`/api/v1/published/{agent}/…` or `/api/v1/links/{token}/…`, the same sub-paths under each),
 * and the console's try-it of an agent's draft (`/api/v1/agents/{id}/try`).
 */

/**
 * Where a widget's chat lives: a published agent, or a share link (with its visitor token once
 * unlocked); `userToken`: the site's signed user token (signed visitor identity), when it gave one.
 */
export type ChatTarget = { host: string; agent?: string; link?: string; visitorToken?: string; userToken?: string }

/** What streamChat and stopChat need: where to send a message and to stop it, and how to authenticate. */
export type ChatEndpoint = { chat: string; stop: string; headers: Record<string, string>; credentials?: RequestCredentials }

export const trimSlash = (url: string) => url.replace(/\/+$/, '')

/** `/api/v1/published/{agent}` or `/api/v1/links/{token}` on the target's host. */
export function apiBase(target: ChatTarget): string {
  const host = trimSlash(target.host)
  if (target.link) return `${host}/api/v1/links/${encodeURIComponent(target.link)}`
  return `${host}/api/v1/published/${encodeURIComponent(target.agent ?? '')}`
}

/** The visitor token of an unlocked link, as a bearer, and the user token in its own header. */
export function authHeaders(target: ChatTarget): Record<string, string> {
  const headers: Record<string, string> = target.visitorToken ? { authorization: `Bearer ${target.visitorToken}` } : {}
  if (target.userToken) headers['x-porch-user-token'] = target.userToken
  return headers
}

/** The visitor API's paths for a target. */
export function chatUrls(target: ChatTarget) {
  const base = apiBase(target)
  const session = (sessionId: string) => `${base}/sessions/${encodeURIComponent(sessionId)}`
  return {
    /** GET: the agent's public info. */
    info: base,
    /** POST: a message, answered over SSE. */
    chat: `${base}/chat`,
    /** POST: a message, answered with one JSON reply. */
    sync: `${base}/chat/sync`,
    /** POST {request_id}: stop a running answer. */
    stop: `${base}/chat/stop`,
    /** POST {password}: a link's visitor token. */
    unlock: `${base}/unlock`,
    /** GET: a session's history. */
    session,
    /** GET (SSE): the session's events (human takeover). */
    events: (sessionId: string) => `${session(sessionId)}/events`,
    /** GET: the signed-in user's conversations, newest first. */
    conversations: `${base}/conversations`,
    /** POST the file's bytes: an attachment for the session's next message. */
    /** PUT / DELETE: the visitor's rating of the session's answer `seq`. */
    feedback: (sessionId: string, seq: number) => `${session(sessionId)}/messages/${seq}/feedback`,
    attachments: (sessionId: string, filename: string) => `${session(sessionId)}/attachments?filename=${encodeURIComponent(filename)}`,
  }
}

/** A visitor's chat: the target's paths, with the link's visitor token. */
export function visitorEndpoint(target: ChatTarget): ChatEndpoint {
  const urls = chatUrls(target)
  return { chat: urls.chat, stop: urls.stop, headers: authHeaders(target) }
}

/** The console's try-it of an agent's draft: same origin, the session cookie and the CSRF header. */
export function tryEndpoint(agentId: string, csrfToken: string): ChatEndpoint {
  const chat = `/api/v1/agents/${encodeURIComponent(agentId)}/try`
  return { chat, stop: `${chat}/stop`, headers: { 'x-csrf-token': csrfToken }, credentials: 'same-origin' }
}
