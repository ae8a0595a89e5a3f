/**
 * Owner API, human takeover: an editor (or above) takes a live session over, writes to the
 * visitor as a person, and hands the session back to the agent; anyone who may read the
 * session follows its events (what the visitor writes meanwhile) and lists the agent's held
 * sessions. The session is named as in its transcript: `…/sessions/{sid}?scope=` (default
 * `public`). Viewers may read; the owner-auth middleware refuses them every POST (403).
 */
import { type Context, Hono } from 'hono'
import { type PersonMessageReply, PersonMessageRequestSchema, TakeoverRequestSchema } from '../../../shared/console.ts'
import { clientIp } from '../../auth/client-ip.ts'
import { reachableAgent } from '../../auth/owner-auth.ts'
import type { OwnerEnv, Principal } from '../../http/env.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { sessionIdParam } from '../../http/ids.ts'
import { lastEventId, readJson, readQuery } from '../../http/validate.ts'
import type { SessionEventBus, TakeoverService } from '../../runtime/takeover/index.ts'
import type { Store } from '../../store/store.ts'
import { type EventStreamLimits, sessionEventsToSse } from '../session-events.ts'
import { linkOfScope, takeoverJson } from './present.ts'
import { TranscriptQuerySchema } from './watch.ts'

export type OwnerTakeoverDeps = {
  store: Store
  takeover: TakeoverService
  events: SessionEventBus
  streams: EventStreamLimits
  heartbeatMs: number
  trustProxyHops: number
  log: (message: string, error: unknown) => void
}

/** The name the visitor sees when the owner gives none. */
const DEFAULT_NAME = 'Support'

/** Who took a session over: one id per credential, so the same person taking over twice changes nothing. */
const personId = (principal: Principal) => (principal.kind === 'admin' ? 'admin' : `key:${principal.keyId}`)

const notHeld = () => new ApiError(409, 'not_taken_over', 'Nobody holds this session: take it over first.')

export function ownerTakeoverRoutes({ store, takeover, events, streams, heartbeatMs, trustProxyHops, log }: OwnerTakeoverDeps) {
  const sessionOf = async (c: Context<OwnerEnv>) => {
    const agent = await reachableAgent(store, c, c.req.param('id')!)
    const { scope } = readQuery(c, TranscriptQuerySchema)
    return { agentId: agent.id, scope, sessionId: sessionIdParam(c.req.param('sid')!) }
  }
  return new Hono<OwnerEnv>()
    .get('/agents/:id/takeovers', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const held = await store.listTakeovers(agent.id)
      return c.json({ takeovers: held.map((h) => ({ ...takeoverJson(h), session_id: h.sessionId, scope: h.scope, link_id: linkOfScope(h.scope) })) }, 200)
    })
    .post('/agents/:id/sessions/:sid/takeover', async (c) => {
      const key = await sessionOf(c)
      const { name } = await readJson(c, TakeoverRequestSchema)
      const outcome = await takeover.takeOver(key, { id: personId(c.get('principal')), name: name ?? DEFAULT_NAME })
      if (outcome.kind === 'no_session') throw notFound('Session')
      if (outcome.kind === 'held')
        throw new ApiError(409, 'taken_over', `${outcome.takeover.name} holds this session already; they hand it back first.`, {
          takeover: takeoverJson(outcome.takeover),
        })
      return c.json({ takeover: takeoverJson(outcome.takeover) }, 200)
    })
    .post('/agents/:id/sessions/:sid/takeover/messages', async (c) => {
      const key = await sessionOf(c)
      const { text } = await readJson(c, PersonMessageRequestSchema)
      const outcome = await takeover.say(key, text)
      if (outcome.kind !== 'added') throw notHeld()
      const reply: PersonMessageReply = { seq: outcome.seq, event_id: outcome.event.id }
      return c.json(reply, 201)
    })
    .post('/agents/:id/sessions/:sid/handback', async (c) => {
      const key = await sessionOf(c)
      if (!(await takeover.handBack(key))) throw notHeld()
      return c.body(null, 204)
    })
    .get('/agents/:id/sessions/:sid/events', async (c) => {
      const key = await sessionOf(c)
      const afterId = lastEventId(c)
      if (!(await store.getSession(key))) throw notFound('Session')
      const slot = streams.acquire(`owner|${clientIp(c, trustProxyHops)}`)
      return sessionEventsToSse(c, { store, events, key, afterId, heartbeatMs, slot, log })
    })
}
