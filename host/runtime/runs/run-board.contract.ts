/**
 * What every RunBoard does, whether runs live in one process (RunRegistry) or are shared
 * through Redis (RedisRunBoard): run by run-board.contract.test.ts against both, so the
 * two cannot drift. What only the shared board can do (another host following, stopping,
 * finding a dead host's run) is in redis-run-board.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../../shared/index.ts'
import { eventually } from '../../testing/harness.ts'
import { type NumberedEvent, Run, type RunBoard, type RunFeed } from './runs.ts'

export type BoardMaker = {
  /** A fresh board (its own state: no run of another test is found on it). */
  board(): Promise<RunBoard>
}

export const delta = (text: string): StreamEvent => ({ event_type: 'text_delta', turn: 0, text })

/** Follows `feed` after `afterId`; `ended` settles with every event seen when the feed ends. */
export function collect(feed: RunFeed, afterId = 0) {
  const seen: NumberedEvent[] = []
  let detach = () => {}
  const ended = new Promise<NumberedEvent[]>((resolve) => {
    detach = feed.attach(afterId, { onEvent: (event) => seen.push(event), onEnd: () => resolve(seen) })
  })
  return { seen, ended, detach: () => detach() }
}

export function runBoardContract(name: string, maker: BoardMaker) {
  describe(`RunBoard contract: ${name}`, () => {
    const open: RunBoard[] = []
    const board = async () => {
      const made = await maker.board()
      open.push(made)
      return made
    }
    afterEach(async () => {
      for (const made of open.splice(0)) {
        await made.cancelAll('test over')
        await made.close()
      }
    })

    it('finds a run it took on, with what a re-POST must repeat, and replays it after any id', async () => {
      const runs = await board()
      const run = new Run('fingerprint-1', 0)
      expect(await runs.add('k', run, { fingerprint: 'fingerprint-1', sessionId: 's-1', retain: true })).toBe(true)
      run.push(delta('a'))
      run.push(delta('b'))
      const found = await runs.find('k')
      expect(found).toMatchObject({ fingerprint: 'fingerprint-1', sessionId: 's-1', gone: false })
      const fromOne = collect(found!.feed, 1)
      await eventually(() => (fromOne.seen.length === 1 ? true : undefined))
      run.push(delta('c'))
      run.end()
      expect((await fromOne.ended).map(({ id, event }) => [id, event.event_type === 'text_delta' && event.text])).toEqual([
        [2, 'b'],
        [3, 'c'],
      ])
      expect(await runs.find('missing')).toBeUndefined()
    })

    it('takes a key once: a second run under it is refused while the first is known', async () => {
      const runs = await board()
      const first = new Run('f', 0)
      expect(await runs.add('same', first, { fingerprint: 'f', sessionId: 's', retain: true })).toBe(true)
      expect(await runs.add('same', new Run('f', 0), { fingerprint: 'f', sessionId: 's', retain: true })).toBe(false)
      first.end()
      await first.done
      // Retained after its end: a re-POST re-attaches to the replay rather than starting again.
      expect(await runs.add('same', new Run('f', 0), { fingerprint: 'f', sessionId: 's', retain: true })).toBe(false)
      const replay = collect((await runs.find('same'))!.feed)
      expect(await replay.ended).toEqual([])
    })

    it('stops a running run (true), and answers false for an unknown or ended one', async () => {
      const runs = await board()
      const run = new Run('f', 0)
      await runs.add('running', run, { fingerprint: 'f', sessionId: 's', retain: true })
      expect(await runs.stop('running', 'stopped by the visitor')).toBe(true)
      expect(run.signal.aborted).toBe(true)
      expect(await runs.stop('nothing', 'stopped by the visitor')).toBe(false)
      run.end()
      expect(await runs.stop('running', 'stopped by the visitor')).toBe(false)
    })

    it('drains runs that end by themselves, and cancels all that do not', async () => {
      const runs = await board()
      const quick = new Run('f', 0)
      const slow = new Run('f', 0)
      await runs.add('quick', quick, { fingerprint: 'f', sessionId: 's', retain: false })
      setTimeout(() => quick.end(), 20)
      expect(await runs.drain(5_000)).toBe(true)
      await runs.add('slow', slow, { fingerprint: 'f', sessionId: 's', retain: false })
      slow.signal.addEventListener('abort', () => slow.end())
      expect(await runs.drain(30)).toBe(false)
      await runs.cancelAll('the host is shutting down')
      expect(slow.signal.aborted).toBe(true)
      expect(slow.ended).toBe(true)
    })
  })
}
