/**
 * Which session a tab is in: one id per tab (sessionStorage), namespaced by host and by agent or
 * link, so two widgets on one page, or one agent on two sites, never share a conversation.
 * Nothing is kept in localStorage. Storage that throws (privacy modes) degrades to memory.
 */
import { type ChatTarget, trimSlash } from '../client/urls.ts'

const memory = new Map<string, string>()

function storage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  try {
    const s = globalThis.sessionStorage
    if (s) {
      s.getItem('porch:probe')
      return s
    }
  } catch {
    // Blocked storage: fall back to this page's memory.
  }
  return { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => void memory.set(k, v), removeItem: (k) => void memory.delete(k) }
}

const keyOf = (target: ChatTarget, what: string) =>
  `porch:v1:${what}:${trimSlash(target.host)}:${target.link ? `link:${target.link}` : `agent:${target.agent ?? ''}`}`

export const sessionStore = {
  get: (target: ChatTarget) => storage().getItem(keyOf(target, 'session')),
  set: (target: ChatTarget, sessionId: string) => storage().setItem(keyOf(target, 'session'), sessionId),
  clear: (target: ChatTarget) => storage().removeItem(keyOf(target, 'session')),
  getVisitorToken: (target: ChatTarget) => storage().getItem(keyOf(target, 'visitor')),
  setVisitorToken: (target: ChatTarget, token: string) => storage().setItem(keyOf(target, 'visitor'), token),
  clearVisitorToken: (target: ChatTarget) => storage().removeItem(keyOf(target, 'visitor')),
}

export const newId = (): string => globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`
