/**
 * Chat API keys (`key_….SECRET`, one agent each) for server-to-server chat: the Auto Agents and
 * OpenAI-compatible endpoints. Looked up on every request, so a refreshed or deleted key is
 * dead at once. A key sent from a browser (with an Origin header) is refused.
 */
import type { Context } from 'hono'
import { ApiError } from '../http/errors.ts'
import { keyScope, type Scope } from '../store/scope.ts'
import type { ApiKeyRecord, PublishedAgent, Store } from '../store/store.ts'
import { bearer, parseCredential, secretMatches } from './key-pair.ts'
import { browserRefused, unauthorized } from './owner-auth.ts'

export type KeyChat = { key: ApiKeyRecord; published: PublishedAgent; scope: Scope }

/**
 * Authenticates the request's chat key and returns it with its agent's published version.
 * `agentId`, when the body names one, must be the key's own agent.
 */
export async function authenticateChatKey(c: Context, store: Store, agentId?: string): Promise<KeyChat> {
  if (c.req.header('origin') !== undefined) throw browserRefused()
  const credential = bearer(c.req.header('authorization'))
  const parsed = credential ? parseCredential(credential, 'key') : null
  if (!parsed) throw unauthorized('Send a chat API key as Authorization: Bearer KEY.SECRET.')
  const key = await store.getApiKey(parsed.id)
  if (!key || !secretMatches(parsed.secret, key.secretHash)) throw unauthorized('The API key is not valid.')
  if (agentId !== undefined && agentId !== key.agentId) throw new ApiError(403, 'forbidden', 'This API key belongs to another agent.')
  const published = await store.getPublishedAgent(key.agentId)
  if (!published) throw new ApiError(404, 'not_found', 'The agent of this key is not published.')
  void store.touchApiKey(key.id)
  return { key, published, scope: keyScope(key.id) }
}
