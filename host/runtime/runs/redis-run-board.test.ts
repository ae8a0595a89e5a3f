/**
 * What only the shared board does: two boards on one throwaway Redis stand for two hosts. A
 * run of one is found, followed (missed events once, then live), kept alive and stopped from
 * the other; a run whose host died ends its followers with run_gone instead of hanging; and
 * an unreachable Redis is a clear ChatError, never a run that nobody else can find.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { connectRedis, type Redis } from '../../cluster/redis.ts'
import { eventually } from '../../testing/harness.ts'
import { startTestRedis, type TestRedis } from '../../testing/redis-server.ts'
import { ChatError } from '../errors.ts'
import { RedisRunBoard } from './redis-run-board.ts'
import { collect, delta } from './run-board.contract.ts'
import { type NumberedEvent, Run } from './runs.ts'

let server: TestRedis
const connections: Redis[] = []
const boards: RedisRunBoard[] = []
beforeAll(async () => {
  server = await startTestRedis()
})
afterAll(async () => {
  await server.stop()
})
beforeEach(async () => {
  const redis = await connectRedis(server.url)
  await redis.flushall()
  redis.disconnect()
})
afterEach(async () => {
  // Runs a test left running are the test's (no agent runs them to an end): closing is enough.
  for (const board of boards.splice(0)) await board.close()
  for (const redis of connections.splice(0)) redis.disconnect()
})

/** A host's board, on its own connection (as each host process has). */
async function host(): Promise<RedisRunBoard> {
  const redis = await connectRedis(server.url)
  connections.push(redis)
  const board = new RedisRunBoard({ redis, instanceId: randomUUID(), log: { error: () => {} }, retainMs: 60_000 })
  await board.start()
  boards.push(board)
  return board
}

const textsOf = (events: NumberedEvent[]) => events.map(({ event }) => (event.event_type === 'text_delta' ? event.text : event.event_type))

describe('a run of one host, seen from another', () => {
  it('is found there, and a follower gets the events after its Last-Event-ID once, then the live ones, then the end', async () => {
    const [a, b] = [await host(), await host()]
    const run = new Run('fp', 0)
    expect(await a.add('k', run, { fingerprint: 'fp', sessionId: 'session-1', retain: true })).toBe(true)
    for (const word of ['one', 'two', 'three']) run.push(delta(word))
    const found = await eventually(() => b.find('k'))
    expect(found).toMatchObject({ fingerprint: 'fp', sessionId: 'session-1', gone: false })
    const follower = collect(found.feed, 1)
    await eventually(() => (follower.seen.length === 2 ? true : undefined))
    run.push(delta('four'))
    run.end()
    const seen = await follower.ended
    expect(seen.map(({ id }) => id)).toEqual([2, 3, 4])
    expect(textsOf(seen)).toEqual(['two', 'three', 'four'])
    // Retained: a later re-POST replays the whole run, from another host too.
    expect(textsOf(await collect((await b.find('k'))!.feed).ended)).toEqual(['one', 'two', 'three', 'four'])
  })

  it('cannot be started a second time under the same key by another host', async () => {
    const [a, b] = [await host(), await host()]
    expect(await a.add('k', new Run('fp', 0), { fingerprint: 'fp', sessionId: 's', retain: true })).toBe(true)
    expect(await b.add('k', new Run('fp', 0), { fingerprint: 'fp', sessionId: 's', retain: true })).toBe(false)
  })

  it('is stopped from the other host', async () => {
    const [a, b] = [await host(), await host()]
    const run = new Run('fp', 0)
    await a.add('k', run, { fingerprint: 'fp', sessionId: 's', retain: true })
    expect(await b.stop('k', 'stopped by the visitor')).toBe(true)
    await eventually(() => (run.signal.aborted ? true : undefined))
    run.end()
    await eventually(async () => ((await b.stop('k', 'stopped by the visitor')) === false ? true : undefined))
  })

  it('under a request_id the host chose: stopped from the other host, but not followed there (its events stay home)', async () => {
    const [a, b] = [await host(), await host()]
    const run = new Run('fp', 0)
    await a.add('host-chosen', run, { fingerprint: 'fp', sessionId: 's', retain: false })
    run.push(delta('kept at home'))
    expect(await b.find('host-chosen')).toBeUndefined()
    expect(await a.find('host-chosen')).toMatchObject({ gone: false })
    expect(await b.stop('host-chosen', 'stopped by the visitor')).toBe(true)
    await eventually(() => (run.signal.aborted ? true : undefined))
    run.end()
    const redis = connections[0]!
    await eventually(async () => ((await redis.keys('porch:run:*')).length === 0 ? true : undefined))
  })

  it('keeps going while a client follows it from the other host, though its own host has no client left', async () => {
    const [a, b] = [await host(), await host()]
    const run = new Run('fp', 200)
    await a.add('k', run, { fingerprint: 'fp', sessionId: 's', retain: true })
    const own = collect(run)
    const follower = collect((await b.find('k'))!.feed)
    own.detach()
    // Well past the grace: the follower's mark keeps the run wanted.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(run.signal.aborted).toBe(false)
    follower.detach()
    await eventually(() => (run.signal.aborted ? true : undefined))
  })
})

describe('a run whose host died', () => {
  it('is found gone (a resume gets run_gone), and a follower already attached ends with run_gone, not a hang', async () => {
    const [a, b] = [await host(), await host()]
    const run = new Run('fp', 0)
    await a.add('k', run, { fingerprint: 'fp', sessionId: 's', retain: true })
    run.push(delta('partial'))
    const follower = collect((await b.find('k'))!.feed)
    await eventually(() => (follower.seen.length === 1 ? true : undefined))
    // The host stops beating without ending its run: what a kill -9 leaves behind.
    await a.close()
    const seen = await follower.ended
    expect(textsOf(seen)).toEqual(['partial', 'error', 'complete'])
    expect(seen[1]!.event).toMatchObject({ event_type: 'error', code: 'run_gone' })
    expect(seen.map(({ id }) => id)).toEqual([1, 2, 3])
    expect(await b.find('k')).toMatchObject({ gone: true })
  })
})

describe('when Redis cannot be reached', () => {
  it('refuses to take on or find a run with temporarily_unavailable, and works again once Redis is back', async () => {
    const a = await host()
    await server.kill()
    try {
      const refused = await a.add('k', new Run('fp', 0), { fingerprint: 'fp', sessionId: 's', retain: true }).catch((error) => error)
      expect(refused).toBeInstanceOf(ChatError)
      expect(refused.code).toBe('temporarily_unavailable')
      expect(await a.find('k').catch((error) => error.code)).toBe('temporarily_unavailable')
    } finally {
      await server.restart()
    }
    const run = new Run('fp', 0)
    expect(await eventually(() => a.add('k', run, { fingerprint: 'fp', sessionId: 's', retain: true }).catch(() => undefined))).toBe(true)
    run.end()
  })
})
