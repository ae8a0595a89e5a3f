/**
 * The RunBoard of the shared mode: runs in flight that every host sharing one Redis can find,
 * follow and stop. A run still runs in one process (its model call, its tools, its store
 * writes); what the others see of it lives in Redis:
 *
 * - `porch:run:<key>`, the claim: JSON {fingerprint, sessionId, instance}, set only if absent
 *   (`SET NX`), so the same request_id sent to two hosts at once starts one run;
 * - `porch:run:<key>:events`, a Stream of its numbered events, written in batches: the events
 *   of MIRROR_WINDOW_MS go in one entry (a JSON array) whose id `0-<n>` is the SSE id of its
 *   last event; at most MAX_ENTRIES entries, closed by an entry with an `end` field;
 * - `porch:run:<key>:followers`, a hash of the clients following it from other hosts (each
 *   until when it last said it follows), so the run does not count as abandoned when its own
 *   host has no client left;
 * - `porch:instance:<id>`, this host's heartbeat: a follower whose run's host stopped beating
 *   ends its stream with `run_gone` instead of waiting for ever;
 * - `porch:stop`, a channel every host listens on: Stop sent to any host reaches the one that runs it.
 *
 * Keys of a running run expire RUNNING_TTL_MS after the last heartbeat of its host; an ended
 * run's after `retainMs` (the same retention as one host's RunRegistry). A run whose request_id
 * the host chose (the client sent none) has only its claim shared, for Stop: nobody else knows
 * its request_id to resume it, so its events stay in its host.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { StreamEvent } from '../../../shared/index.ts'
import { KEY_PREFIX, sideConnection } from '../../cluster/redis.ts'
import type { Logger } from '../../log.ts'
import { ChatError } from '../errors.ts'
import { type FoundRun, type NumberedEvent, type Run, type RunBoard, type RunFeed, type RunListener, type RunMeta, RunRegistry } from './runs.ts'

/** Entries (batches of events) kept per run: a resume from further back than these gets run_gone. */
const MAX_ENTRIES = 10_000
/**
 * How long a run's events gather before they go to Redis in one entry. A client following from
 * another host sees them this much later; the run's own clients are not delayed at all. With
 * tokens 1 ms apart, a 24-event answer took 24 round trips and 25 XADDs one event each (BENCHMARKS.md).
 */
const MIRROR_WINDOW_MS = 25
/** How often this host says it is alive and keeps its running runs' keys. */
const HEARTBEAT_MS = 2_000
/** How long a host that stopped beating still counts as alive. */
const INSTANCE_TTL_MS = 6_000
/** How long a running run's keys outlive the last heartbeat of its host. */
const RUNNING_TTL_MS = 60_000
/** How long a follower blocks on the stream before it looks whether the run's host is alive. */
const FOLLOW_BLOCK_MS = 1_500
/** How long a follower's mark lasts unrenewed (a few blocks). */
const FOLLOWER_TTL_MS = 5_000

const STOP_CHANNEL = `${KEY_PREFIX}stop`
const claimKey = (key: string) => `${KEY_PREFIX}run:${key}`
const eventsKey = (key: string) => `${KEY_PREFIX}run:${key}:events`
const followersKey = (key: string) => `${KEY_PREFIX}run:${key}:followers`
const instanceKey = (id: string) => `${KEY_PREFIX}instance:${id}`

type Claim = { fingerprint: string; sessionId: string; instance: string; retain: boolean }
/** A stream entry as ioredis returns it: [id, [field, value, …]]. */
type Entry = [string, string[]]

const unavailable = () => new ChatError('temporarily_unavailable', 'The host cannot reach the service it shares runs through. Please try again in a moment.')
const entrySeq = (id: string) => Number(id.slice(id.indexOf('-') + 1))
const isEnd = ([, fields]: Entry) => fields[0] === 'end'

export type RedisRunBoardOptions = {
  redis: Redis
  /** This host's instance (instance-lease.ts). */
  instanceId: string
  log: Pick<Logger, 'error'>
  /** How long an ended run with a client-chosen request_id can still be re-attached to. */
  retainMs?: number
}

export class RedisRunBoard implements RunBoard {
  private readonly local: RunRegistry
  private readonly redis: Redis
  private readonly instanceId: string
  private readonly log: Pick<Logger, 'error'>
  private readonly retainMs: number
  private subscriber: Redis | undefined
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private readonly followers = new Set<() => void>()
  private mirrorFailing = false

  constructor(options: RedisRunBoardOptions) {
    this.redis = options.redis
    this.instanceId = options.instanceId
    this.log = options.log
    this.retainMs = options.retainMs ?? 60_000
    this.local = new RunRegistry(this.retainMs)
  }

  get closed(): boolean {
    return this.local.closed
  }

  set closed(value: boolean) {
    this.local.closed = value
  }

  /** Listens for Stop from other hosts and starts this host's heartbeat. */
  async start(): Promise<void> {
    const subscriber = sideConnection(this.redis)
    this.subscriber = subscriber
    subscriber.on('message', (_channel: string, key: string) => void this.local.cancel(key, 'stopped by the visitor'))
    await subscriber.subscribe(STOP_CHANNEL)
    await this.beat()
    this.heartbeat = setInterval(() => void this.beat().catch(() => {}), HEARTBEAT_MS)
    this.heartbeat.unref()
  }

  /** Says this host is alive, and keeps the keys of its running runs from expiring. */
  private async beat(): Promise<void> {
    const pipeline = this.redis.pipeline().set(instanceKey(this.instanceId), '1', 'PX', INSTANCE_TTL_MS)
    for (const [key] of this.local.running()) pipeline.pexpire(claimKey(key), RUNNING_TTL_MS).pexpire(eventsKey(key), RUNNING_TTL_MS)
    await pipeline.exec()
  }

  async find(key: string): Promise<FoundRun | undefined> {
    const here = await this.local.find(key)
    if (here) return here
    const shared = await this.readClaim(key)
    // A run under a request_id the host chose shares no events (see add): only Stop reaches it from here.
    if (!shared?.claim.retain) return undefined
    const { claim, ended } = shared
    const alive = ended || (await this.hostAlive(claim))
    return { fingerprint: claim.fingerprint, sessionId: claim.sessionId, gone: !alive, feed: this.remoteFeed(key, claim.instance) }
  }

  /** The claim of a run of any host, and whether its stream has ended; null when there is none. */
  private async readClaim(key: string): Promise<{ claim: Claim; ended: boolean } | null> {
    try {
      const [claimed, last] = await Promise.all([this.redis.get(claimKey(key)), this.redis.xrevrange(eventsKey(key), '+', '-', 'COUNT', 1) as Promise<Entry[]>])
      if (claimed === null) return null
      return { claim: JSON.parse(claimed) as Claim, ended: last[0] !== undefined && isEnd(last[0]) }
    } catch {
      throw unavailable()
    }
  }

  /** Whether the claim's host still beats (while Redis cannot say, it counts as alive). */
  private async hostAlive(claim: Claim): Promise<boolean> {
    return (await this.redis.exists(instanceKey(claim.instance)).catch(() => 1)) === 1
  }

  async add(key: string, run: Run, meta: RunMeta): Promise<boolean> {
    if (!this.local.track(key, run, meta)) return false
    const claim: Claim = { fingerprint: meta.fingerprint, sessionId: meta.sessionId, instance: this.instanceId, retain: meta.retain }
    let won: string | null
    try {
      won = await this.redis.set(claimKey(key), JSON.stringify(claim), 'PX', RUNNING_TTL_MS, 'NX')
    } catch {
      this.local.forget(key, run)
      throw unavailable()
    }
    if (won === null) {
      this.local.forget(key, run)
      return false
    }
    if (!meta.retain) {
      // The host chose its request_id: only this run's own clients know it, and they are here.
      // Its claim lets Stop from any host reach it; its events stay in this process (saving a
      // write per event on every API call that does not resume).
      void run.done.then(() => this.redis.del(claimKey(key)).catch(() => {}))
      return true
    }
    const events = eventsKey(key)
    let batch: NumberedEvent[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = () => {
      clearTimeout(timer)
      timer = undefined
      if (batch.length > 0) this.mirror(events, batch)
      batch = []
    }
    run.mirror = (numbered) => {
      batch.push(numbered)
      timer ??= setTimeout(flush, MIRROR_WINDOW_MS)
    }
    run.stillWanted = async () => (await this.redis.hvals(followersKey(key))).some((until) => Number(until) > Date.now())
    void run.done.then(() => {
      flush()
      return this.closeStream(key, run)
    })
    return true
  }

  /** Copies a batch of events to the run's stream as one entry, numbered by its last event. */
  private mirror(events: string, batch: NumberedEvent[]): void {
    this.redis
      .xadd(events, 'MAXLEN', '~', MAX_ENTRIES, `0-${batch.at(-1)!.id}`, 'e', JSON.stringify(batch.map(({ event }) => event)))
      .then(() => (this.mirrorFailing = false))
      .catch((error) => {
        // The run goes on for its own clients; only followers on other hosts miss the events.
        if (!this.mirrorFailing) this.log.error('could not share a run event through Redis', error)
        this.mirrorFailing = true
      })
  }

  /** Marks the run's stream ended (after its last batch, on the same connection), and lets its keys expire after the retention. */
  private async closeStream(key: string, run: Run): Promise<void> {
    const endId = run.events.length + 1
    const ttl = this.retainMs
    // Plain commands, not MULTI: a MULTI leaves at once, ahead of the run's last events still
    // waiting in the auto-pipeline, and its end entry would take their ids.
    try {
      const events = eventsKey(key)
      await Promise.all([this.redis.xadd(events, `0-${endId}`, 'end', '1'), this.redis.pexpire(events, ttl), this.redis.pexpire(claimKey(key), ttl)])
    } catch (error) {
      // A follower elsewhere sees the host alive and no end: it waits until the keys expire, then gets run_gone.
      this.log.error('could not mark a run ended in Redis', error)
    }
  }

  async stop(key: string, reason: string): Promise<boolean> {
    if (this.local.cancel(key, reason)) return true
    if (this.local.get(key)) return false
    const shared = await this.readClaim(key)
    if (!shared || shared.ended || !(await this.hostAlive(shared.claim))) return false
    try {
      await this.redis.publish(STOP_CHANNEL, key)
    } catch {
      throw unavailable()
    }
    return true
  }

  drain(ms: number): Promise<boolean> {
    return this.local.drain(ms)
  }

  cancelAll(reason: string): Promise<void> {
    return this.local.cancelAll(reason)
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat)
    for (const stop of this.followers) stop()
    this.subscriber?.disconnect()
    // Runs of this host have ended and their streams say so: no follower waits for this host any more.
    await this.redis.del(instanceKey(this.instanceId)).catch(() => {})
  }

  /** Follows a run of another host from its stream: what was missed, then the rest as it comes. */
  private remoteFeed(key: string, instance: string): RunFeed {
    return {
      attach: (afterId, listener) => {
        const reader = sideConnection(this.redis)
        // While a client follows here, the run's own host does not count it abandoned (Run.stillWanted).
        const follower = randomUUID()
        const mark = () => {
          this.redis.hset(followersKey(key), follower, Date.now() + FOLLOWER_TTL_MS).catch(() => {})
          this.redis.pexpire(followersKey(key), FOLLOWER_TTL_MS).catch(() => {})
        }
        const marking = setInterval(mark, FOLLOWER_TTL_MS / 3)
        mark()
        let following = true
        const stop = () => {
          if (!following) return
          following = false
          clearInterval(marking)
          this.followers.delete(stop)
          reader.disconnect()
          this.redis.hdel(followersKey(key), follower).catch(() => {})
        }
        this.followers.add(stop)
        void this.follow(key, instance, afterId, reader, listener, () => following).finally(stop)
        return stop
      },
    }
  }

  /** Reads the run's stream after `afterId` until its end entry, or until its host is found gone. */
  private async follow(key: string, instance: string, afterId: number, reader: Redis, listener: RunListener, following: () => boolean): Promise<void> {
    const events = eventsKey(key)
    let lastSeen = afterId
    /** Hands entries to the listener; true once the stream has ended for it. */
    const deliver = (entries: Entry[]): boolean => {
      for (const entry of entries) {
        const last = entrySeq(entry[0])
        if (last <= lastSeen) continue
        if (isEnd(entry)) {
          listener.onEnd()
          return true
        }
        const fields = entry[1]
        const batch = JSON.parse(fields[fields.indexOf('e') + 1]!) as StreamEvent[]
        const first = last - batch.length + 1
        // Trimmed away (past MAX_ENTRIES), or not shared while Redis was unreachable: the events between cannot be replayed.
        if (first > lastSeen + 1) return endGone(listener, lastSeen, 'Part of this answer is no longer available. Reload the conversation to see it.')
        for (const [i, event] of batch.entries()) {
          if (first + i > lastSeen) listener.onEvent({ id: first + i, event })
        }
        lastSeen = last
      }
      return false
    }
    try {
      if (deliver((await reader.xrange(events, `0-${afterId + 1}`, '+')) as Entry[])) return
      while (following()) {
        const read = (await reader.xread('BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', events, `0-${lastSeen}`)) as [string, Entry[]][] | null
        if (!following()) return
        if (read) {
          if (deliver(read[0]![1])) return
          continue
        }
        const [alive, exists] = await Promise.all([this.redis.exists(instanceKey(instance)), this.redis.exists(events)])
        if (!following()) return
        if (alive === 0 || exists === 0) {
          endGone(listener, lastSeen, 'The host running this answer stopped. Reload the conversation to see what was saved.')
          return
        }
      }
    } catch (error) {
      if (!following()) return
      this.log.error('lost a run followed through Redis', error)
      endGone(listener, lastSeen, 'The connection to this answer was lost. Reload the conversation to see what was saved.')
    }
  }
}

/** Ends a follower's stream with `run_gone`: an error event and a failed `complete`, numbered after the last it saw. */
function endGone(listener: RunListener, lastSeen: number, message: string): true {
  listener.onEvent({ id: lastSeen + 1, event: { event_type: 'error', turn: 0, message, code: 'run_gone' } })
  listener.onEvent({
    id: lastSeen + 2,
    event: { event_type: 'complete', turn: 0, success: false, answer: '', total_turns: 0, total_input_tokens: 0, total_output_tokens: 0, error: message },
  })
  listener.onEnd()
  return true
}
