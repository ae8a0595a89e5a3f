/**
 * Traces: a run's start and finish (the start may be deferred to the end of the event-loop
 * turn, see `startTrace` in store.ts), runs interrupted by a host that stopped, and the owner's
 * trace listing with its filters and paging.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../../testing/harness.ts'
import { type AgentRecord, InvalidCursorError, type Store, type TraceQuery, type TraceRecord } from '../store.ts'
import { allPages } from './sessions.ts'
import { chat, newAgent, type StoreContractTarget, sessionOf, sleep, tick, traceStart, turn, uid } from './support.ts'

export function describeTraces(target: StoreContractTarget) {
  describe('traces: start and finish', () => {
    let store: Store
    let reader: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      reader = await target.open()
      agent = await newAgent(store)
    })
    afterAll(async () => {
      await target.close(reader)
      await target.close(store)
    })

    const traceIn = async (s: Store, traceId: string) => (await s.listTraces({ agentId: agent.id, limit: 200 })).find((t) => t.traceId === traceId)

    it('writes an instant run’s trace finished, with its start fields and its outcome', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      await store.finishRun({
        ...turn(key, start.traceId, 'hi'),
        outcome: {
          status: 'error',
          firstTokenMs: 7.5,
          totalMs: 12.25,
          turns: 2,
          inputTokens: 3,
          outputTokens: 4,
          toolCalls: [{ tool_call_id: 'c1', tool_name: 'current_time', turn: 1, is_error: false, duration_ms: 3 }],
          error: 'model failed',
        },
      })
      const trace = await traceIn(store, start.traceId)
      expect(trace).toMatchObject({
        ...start,
        status: 'error',
        firstTokenMs: 7.5,
        totalMs: 12.25,
        turns: 2,
        inputTokens: 3,
        outputTokens: 4,
        toolCalls: [{ tool_call_id: 'c1', tool_name: 'current_time', turn: 1, is_error: false, duration_ms: 3 }],
        error: 'model failed',
      })
      expect(await traceIn(reader, start.traceId)).toMatchObject({ status: 'error' })
    })

    it('shows a started trace as running through the same store at once, and through another one by the end of the turn', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      // The same store: at once, in every reading of traces.
      expect(await traceIn(store, start.traceId)).toMatchObject({ ...start, status: 'running', turns: 0, error: null })
      expect((await store.listSessionTraces(key)).map((t) => t.status)).toEqual(['running'])
      // Another instance (another host on the database): once the turn has ended.
      await tick()
      expect((await eventually(() => traceIn(reader, start.traceId)))?.status).toBe('running')
      await store.finishRun(turn(key, start.traceId, 'long'))
      expect(await traceIn(reader, start.traceId)).toMatchObject({ status: 'success', turns: 1 })
    })

    it('keeps the running row when the finishing transaction fails', async () => {
      const key = sessionOf(agent)
      const start = traceStart(key)
      await store.startTrace(start)
      const bad = turn(key, start.traceId, 'x')
      await expect(store.finishRun({ ...bad, messages: [{ ...bad.messages[0]!, role: 'system' as 'user' }] })).rejects.toThrow()
      await tick()
      expect((await traceIn(store, start.traceId))?.status).toBe('running')
      expect((await eventually(() => traceIn(reader, start.traceId)))?.status).toBe('running')
    })

    it('lists a session’s traces oldest first', async () => {
      const key = sessionOf(agent)
      const first = await chat(store, key, 'one')
      await sleep(2)
      const second = await chat(store, key, 'two')
      expect((await store.listSessionTraces(key)).map((t) => t.traceId)).toEqual([first, second])
      expect(await store.listSessionTraces(sessionOf(agent))).toEqual([])
    })
  })

  describe('traces: the owner’s listing', () => {
    let store: Store
    let agent: AgentRecord
    let other: AgentRecord
    /** Trace ids as started, oldest first. */
    const made: { traceId: string; scope: string; sessionId: string; status: string }[] = []
    let mark: string
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
      other = await newAgent(store)
      const shared = sessionOf(agent)
      const plan: [string, 'success' | 'error' | 'running', boolean][] = [
        ['public', 'success', false],
        ['public', 'error', true],
        ['link:lnk_b', 'success', false],
        ['public', 'running', false],
        ['try', 'success', false],
        ['link:lnk_b', 'error', false],
        ['public', 'success', true],
      ]
      const base = Date.now() - 60_000
      mark = new Date(base + 1500).toISOString()
      for (const [i, [scope, status, inShared]] of plan.entries()) {
        const key = inShared ? shared : sessionOf(agent, scope)
        // Two traces share each start time, so ties must be broken by the store, not skipped.
        const start = traceStart(key, randomUUID(), new Date(base + Math.floor(i / 2) * 1000).toISOString())
        await store.startTrace(start)
        if (status !== 'running') {
          const run = turn(key, start.traceId, `q${i}`)
          await store.finishRun({ ...run, outcome: { ...run.outcome, status } })
        }
        made.push({ traceId: start.traceId, scope: key.scope, sessionId: key.sessionId, status })
      }
      await chat(store, sessionOf(other), 'elsewhere')
    })
    afterAll(() => target.close(store))

    const ids = (rows: TraceRecord[]) => rows.map((row) => row.traceId)
    const newestFirst = (filter: (m: (typeof made)[number], i: number) => boolean) =>
      made
        .filter(filter)
        .map((m) => m.traceId)
        .reverse()

    it('lists an agent’s traces newest first, and filters them by scope, session, status and time', async () => {
      const of = async (query: Omit<TraceQuery, 'limit'>) => ids(await store.listTraces({ limit: 200, agentId: agent.id, ...query }))
      const all = await of({})
      expect(new Set(all)).toEqual(new Set(made.map((m) => m.traceId)))
      // Newest first by start time (ties in an order the store picks, the same on every page).
      const starts = (await store.listTraces({ limit: 200, agentId: agent.id })).map((t) => t.startedAt)
      expect([...starts].sort().reverse()).toEqual(starts)
      expect(new Set(await of({ scope: 'link:lnk_b' }))).toEqual(new Set(newestFirst((m) => m.scope === 'link:lnk_b')))
      const shared = made[1]!.sessionId
      expect(new Set(await of({ sessionId: shared }))).toEqual(new Set(newestFirst((m) => m.sessionId === shared)))
      expect(new Set(await of({ status: 'error' }))).toEqual(new Set(newestFirst((m) => m.status === 'error')))
      expect(await of({ status: 'running' })).toEqual([made[3]!.traceId])
      expect(new Set(await of({ from: mark }))).toEqual(new Set(newestFirst((_, i) => i >= 4)))
      expect(new Set(await of({ to: mark }))).toEqual(new Set(newestFirst((_, i) => i < 4)))
      expect(new Set(await of({ before: mark }))).toEqual(new Set(newestFirst((_, i) => i < 4)))
      expect(new Set(await of({ scope: 'public', status: 'success' }))).toEqual(new Set(newestFirst((m) => m.scope === 'public' && m.status === 'success')))
      // Without an agent: every agent's traces.
      const everyone = ids(await store.listTraces({ limit: 200, from: new Date(Date.now() - 120_000).toISOString() }))
      expect(everyone).toEqual(expect.arrayContaining([...all, ...ids(await store.listTraces({ limit: 10, agentId: other.id }))]))
    })

    it('pages with the store’s cursors: every trace once, in the order of one whole listing', async () => {
      for (const query of [{ agentId: agent.id }, { agentId: agent.id, status: 'success' as const }, { agentId: agent.id, scope: 'public' }]) {
        const all = ids(await store.listTraces({ limit: 200, ...query }))
        for (const limit of [1, 2, 3]) {
          const rows = await allPages((after) => store.listTraces({ ...query, limit: limit + 1, after }), limit)
          expect(ids(rows)).toEqual(all)
        }
      }
      for (const row of await store.listTraces({ limit: 50, agentId: agent.id })) expect(row.cursor).toMatch(/^[A-Za-z0-9_-]{1,200}$/)
      await expect(store.listTraces({ limit: 5, after: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidCursorError)
    })
  })

  describe('traces: interrupted runs and host instances', () => {
    let store: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    const instance = (pid = 1000) => ({ id: uid('instance'), machine: uid('machine'), pid })
    const LONG_AGO = '2000-01-01T00:00:00.000Z'
    const status = async (traceId: string) => (await store.listTraces({ agentId: agent.id, limit: 200 })).find((t) => t.traceId === traceId)?.status
    const running = async (s: Store, instanceId: string) => {
      const start = traceStart(sessionOf(agent), randomUUID(), undefined, instanceId)
      await s.startTrace(start)
      return start.traceId
    }

    it('registers an instance and renews its lease: lastSeen moves, startedAt stays', async () => {
      const self = instance()
      await store.touchInstance(self)
      const first = (await store.listInstances()).find((i) => i.id === self.id)
      expect(first).toMatchObject(self)
      expect(first!.lastSeen).toBe(first!.startedAt)
      await sleep(5)
      await store.touchInstance(self)
      const renewed = (await store.listInstances()).find((i) => i.id === self.id)!
      expect(renewed.startedAt).toBe(first!.startedAt)
      expect(renewed.lastSeen > first!.lastSeen).toBe(true)
      await store.endInstance(self.id)
      expect((await store.listInstances()).map((i) => i.id)).not.toContain(self.id)
    })

    it('when one host restarts, marks only its own dead instance’s runs interrupted; the other host’s run stays running', async () => {
      const a = await target.open()
      const b = await target.open()
      try {
        const [hostA, hostB] = [instance(), instance()]
        await a.touchInstance(hostA)
        await b.touchInstance(hostB)
        const ofA = await running(a, hostA.id)
        const ofB = await running(b, hostB.id)
        const done = await chat(b, sessionOf(agent), 'finished')
        await tick()
        // Host A dies and starts again as a new instance, which knows its old one is dead.
        await target.close(a)
        const restarted = await target.open()
        try {
          await restarted.touchInstance(instance())
          expect(await restarted.markInterruptedTraces({ leaseExpiredBefore: LONG_AGO, deadInstanceIds: [hostA.id] })).toBeGreaterThanOrEqual(1)
          const traces = await restarted.listTraces({ agentId: agent.id, limit: 200 })
          expect(traces.find((t) => t.traceId === ofA)).toMatchObject({
            status: 'interrupted',
            error: 'the host stopped during this run',
            instanceId: hostA.id,
          })
          expect(traces.find((t) => t.traceId === ofB)).toMatchObject({ status: 'running', instanceId: hostB.id })
          expect(traces.find((t) => t.traceId === done)?.status).toBe('success')
          const ids = (await restarted.listInstances()).map((i) => i.id)
          expect(ids).toContain(hostB.id)
          expect(ids).not.toContain(hostA.id)
          // Host B goes on and finishes its run.
          await b.finishRun(turn(sessionOf(agent), ofB, 'late'))
          expect(await status(ofB)).toBe('success')
        } finally {
          await target.close(restarted)
        }
      } finally {
        await target.close(b)
      }
    })

    it('marks the runs of an instance whose lease expired, and of no registered instance; live leases keep theirs', async () => {
      const expired = instance()
      const live = instance()
      await store.touchInstance(expired)
      const ofExpired = await running(store, expired.id)
      await sleep(20)
      const between = new Date().toISOString()
      await sleep(20)
      await store.touchInstance(live)
      const ofLive = await running(store, live.id)
      const orphan = await running(store, uid('never-registered'))
      // A sweep through this very store sees its own deferred starts.
      expect(await store.markInterruptedTraces({ leaseExpiredBefore: between, deadInstanceIds: [] })).toBeGreaterThanOrEqual(2)
      expect(await status(ofExpired)).toBe('interrupted')
      expect(await status(orphan)).toBe('interrupted')
      expect(await status(ofLive)).toBe('running')
      expect((await store.listInstances()).map((i) => i.id)).not.toContain(expired.id)
      // A host that stops cleanly is forgotten; a run it left behind is swept by the next host.
      await store.endInstance(live.id)
      const next = await target.open()
      try {
        await next.markInterruptedTraces({ leaseExpiredBefore: LONG_AGO, deadInstanceIds: [] })
        expect(await status(ofLive)).toBe('interrupted')
      } finally {
        await target.close(next)
      }
    })

    it('leaves finished traces as they are', async () => {
      const self = instance()
      await store.touchInstance(self)
      const start = traceStart(sessionOf(agent), randomUUID(), undefined, self.id)
      await store.startTrace(start)
      await store.finishRun(turn(sessionOf(agent), start.traceId, 'x'))
      await store.markInterruptedTraces({ leaseExpiredBefore: LONG_AGO, deadInstanceIds: [self.id] })
      expect(await status(start.traceId)).toBe('success')
    })
  })
}
