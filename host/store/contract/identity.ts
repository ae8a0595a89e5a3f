/** Signed visitor identity: an agent's identity settings, and sessions kept with the verified user who started them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord, Store } from '../store.ts'
import { chat, newAgent, type StoreContractTarget, sessionOf, traceStart, turn, uid } from './support.ts'

export function describeIdentity(target: StoreContractTarget) {
  describe('visitor identity', () => {
    let store: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    it('keeps an agent identity secret and the require flag, each changed alone, and deletes the secret', async () => {
      const own = await newAgent(store)
      expect(await store.getAgentIdentity(own.id)).toBeNull()
      const created = await store.updateAgentIdentity(own.id, { secret: 'enc:v1:a' })
      expect(created).toMatchObject({ agentId: own.id, secret: 'enc:v1:a', requireIdentity: false })
      expect(created!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(await store.updateAgentIdentity(own.id, { requireIdentity: true })).toMatchObject({ secret: 'enc:v1:a', requireIdentity: true })
      expect(await store.updateAgentIdentity(own.id, { secret: 'enc:v1:b' })).toMatchObject({ secret: 'enc:v1:b', requireIdentity: true })
      expect(await store.updateAgentIdentity(own.id, { secret: null })).toMatchObject({ secret: null, requireIdentity: true })
      expect(await store.getAgentIdentity(own.id)).toMatchObject({ secret: null, requireIdentity: true })
      // Another agent's settings are its own.
      expect(await store.getAgentIdentity(agent.id)).toBeNull()
    })

    it('refuses an unknown agent and forgets the settings with their agent', async () => {
      expect(await store.updateAgentIdentity(crypto.randomUUID(), { secret: 'enc:v1:x' })).toBeNull()
      const own = await newAgent(store)
      await store.updateAgentIdentity(own.id, { secret: 'enc:v1:x', requireIdentity: true })
      await store.deleteAgent(own.id)
      expect(await store.getAgentIdentity(own.id)).toBeNull()
    })

    it('records the verified user when a run creates a session, and keeps it on later runs', async () => {
      const key = sessionOf(agent)
      const traceId = crypto.randomUUID()
      await store.startTrace(traceStart(key, traceId))
      await store.finishRun({ ...turn(key, traceId, 'hello'), user: { id: 'user-1', name: 'Ada "admin" Lovelace' } })
      expect((await store.getSession(key))!.user).toEqual({ id: 'user-1', name: 'Ada "admin" Lovelace' })
      // A later run cannot change who started it.
      const second = crypto.randomUUID()
      await store.startTrace(traceStart(key, second))
      await store.finishRun({ ...turn(key, second, 'again'), user: { id: 'user-2', name: null } })
      expect((await store.getSession(key))!.user).toEqual({ id: 'user-1', name: 'Ada "admin" Lovelace' })
      expect((await store.getSessionSummary(key))!.user).toEqual({ id: 'user-1', name: 'Ada "admin" Lovelace' })
      const anonymous = sessionOf(agent)
      await chat(store, anonymous, 'anonymous')
      expect((await store.getSession(anonymous))!.user).toBeNull()
    })

    it("lists one user's sessions of an agent, newest first, paged, within a scope or across them", async () => {
      const own = await newAgent(store)
      const user = uid('user')
      const userRun = async (scope: string, id: string | null, question: string) => {
        const key = sessionOf(own, scope)
        const traceId = crypto.randomUUID()
        await store.startTrace(traceStart(key, traceId))
        await store.finishRun({ ...turn(key, traceId, question), user: id === null ? null : { id, name: 'N' } })
        return key.sessionId
      }
      const first = await userRun('public', user, 'first question')
      const second = await userRun('public', user, 'second question')
      const viaLink = await userRun('link:lnk_a', user, 'via link')
      await userRun('public', 'someone-else', 'not mine')
      await userRun('public', null, 'anonymous')
      const page = await store.listSessions(own.id, { limit: 10, scope: 'public', userId: user })
      expect(page.map((s) => [s.sessionId, s.preview, s.user?.id])).toEqual([
        [second, 'second question', user],
        [first, 'first question', user],
      ])
      const across = await store.listSessions(own.id, { limit: 10, userId: user })
      expect(across.map((s) => s.sessionId)).toEqual([viaLink, second, first])
      const [top] = await store.listSessions(own.id, { limit: 1, scope: 'public', userId: user })
      expect((await store.listSessions(own.id, { limit: 10, scope: 'public', userId: user, after: top!.cursor })).map((s) => s.sessionId)).toEqual([first])
      expect(await store.listSessions(own.id, { limit: 10, userId: uid('nobody') })).toEqual([])
      const exported = await store.exportSessions(own.id, { limit: 10, userId: user })
      expect(exported.map((s) => [s.sessionId, s.user?.id])).toEqual([viaLink, second, first].map((id) => [id, user]))
    })
  })
}
