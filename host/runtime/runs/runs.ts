/**
 * Runs in flight, so a client that lost its stream can re-attach to the same run instead of
 * starting a second one. A run buffers its events (numbered from 1, the SSE `id:`); a client
 * attaches after the id it last saw and gets the rest exactly once. When the last client
 * detaches, the run waits `graceMs` for one to come back, then is cancelled.
 *
 * Where runs are found is a RunBoard: this process's own (RunRegistry, here), or every host's
 * when several share Redis (redis-run-board.ts). Both pass one contract suite (run-board.contract.ts).
 */
import type { StreamEvent } from '../../../shared/index.ts'

export type NumberedEvent = { id: number; event: StreamEvent }

export type RunListener = {
  onEvent(event: NumberedEvent): void
  onEnd(): void
}

/** What a client streams from: a run of this host, or one that another host runs (shared mode). */
export type RunFeed = {
  /** Replays the events after `afterId`, then follows the live ones. Returns the detach function. */
  attach(afterId: number, listener: RunListener): () => void
}

/** A run a request may re-attach to, wherever it runs. */
export type FoundRun = {
  /** What the re-POST must repeat (same session and message). */
  fingerprint: string
  sessionId: string
  /** The host that ran it is gone and the run never ended: nothing more will come. */
  gone: boolean
  feed: RunFeed
}

/** What a board is told of a run it takes on. */
export type RunMeta = {
  fingerprint: string
  sessionId: string
  /** Kept `retainMs` after it ends (the client chose its request_id and may come back). */
  retain: boolean
}

/**
 * Where runs are registered and found. One process (RunRegistry) or every host sharing Redis
 * (RedisRunBoard): the chat service cannot tell them apart.
 */
export interface RunBoard {
  /** Set when the host shuts down: running runs may finish, no new one starts. */
  closed: boolean
  /** The run under `key`, here or on another host. */
  find(key: string): Promise<FoundRun | undefined>
  /** Takes on a run started here; false when `key` is taken (a run of it started meanwhile, maybe elsewhere): find() that one. */
  add(key: string, run: Run, meta: RunMeta): Promise<boolean>
  /** Cancels the run under `key` wherever it runs; false when there is no running run. */
  stop(key: string, reason: string): Promise<boolean>
  /** Waits for this host's running runs to end by themselves, up to `ms`; returns whether they all did. */
  drain(ms: number): Promise<boolean>
  /** Cancels every run of this host and waits until each has stored what it produced. */
  cancelAll(reason: string): Promise<void>
  /** Lets go of what the board holds outside this process (after cancelAll). */
  close(): Promise<void>
}

export class Run implements RunFeed {
  readonly events: NumberedEvent[] = []
  /** Asked when the grace after the last local client ran out: true keeps the run going (a client follows it from another host). */
  stillWanted: (() => Promise<boolean>) | undefined
  /** Sees every event as it is pushed (the shared mode copies them to Redis). */
  mirror: ((event: NumberedEvent) => void) | undefined
  readonly controller = new AbortController()
  private readonly listeners = new Set<RunListener>()
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private resolveDone!: () => void
  /** Settles when the run has ended and its messages are stored. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve))
  ended = false

  constructor(
    /** What a re-POST must repeat to re-attach (same session and message). */
    readonly fingerprint: string,
    /** How long to wait for a client to come back before cancelling. */
    private readonly graceMs: number,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }

  push(event: StreamEvent): void {
    const numbered = { id: this.events.length + 1, event }
    this.events.push(numbered)
    this.mirror?.(numbered)
    for (const listener of this.listeners) listener.onEvent(numbered)
  }

  end(): void {
    this.ended = true
    clearTimeout(this.graceTimer)
    for (const listener of this.listeners) listener.onEnd()
    this.listeners.clear()
    this.resolveDone()
  }

  /** Replays the events after `afterId`, then follows the live ones. Returns the detach function. */
  attach(afterId: number, listener: RunListener): () => void {
    for (const numbered of this.events.slice(afterId)) listener.onEvent(numbered)
    if (this.ended) {
      listener.onEnd()
      return () => {}
    }
    clearTimeout(this.graceTimer)
    this.listeners.add(listener)
    return () => this.detach(listener)
  }

  cancel(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new DOMException(reason, 'AbortError'))
  }

  private detach(listener: RunListener): void {
    if (!this.listeners.delete(listener) || this.ended || this.listeners.size > 0) return
    if (this.graceMs <= 0) {
      this.cancel('the client disconnected')
      return
    }
    this.armGrace()
  }

  private armGrace(): void {
    this.graceTimer = setTimeout(async () => {
      if (this.ended || this.listeners.size > 0) return
      const wanted = (await this.stillWanted?.().catch(() => false)) ?? false
      if (this.ended || this.listeners.size > 0) return
      if (wanted) this.armGrace()
      else this.cancel('the client disconnected and did not come back')
    }, this.graceMs)
  }
}

/** The one-process RunBoard: runs live in this process's memory and only here. */
export class RunRegistry implements RunBoard {
  private readonly runs = new Map<string, { run: Run; meta: RunMeta }>()
  closed = false

  constructor(private readonly retainMs = 60_000) {}

  /** This host's run under `key` (the shared board keeps its own runs here too). */
  get(key: string): Run | undefined {
    return this.runs.get(key)?.run
  }

  async find(key: string): Promise<FoundRun | undefined> {
    const entry = this.runs.get(key)
    return entry && { fingerprint: entry.meta.fingerprint, sessionId: entry.meta.sessionId, gone: false, feed: entry.run }
  }

  async add(key: string, run: Run, meta: RunMeta): Promise<boolean> {
    return this.track(key, run, meta)
  }

  /** Tracks `run` under `key` until it ends, and `retainMs` longer when it is retained; false when `key` is taken. */
  track(key: string, run: Run, meta: RunMeta): boolean {
    if (this.runs.has(key)) return false
    this.runs.set(key, { run, meta })
    void run.done.then(() => {
      if (!meta.retain) return void this.runs.delete(key)
      setTimeout(() => this.runs.get(key)?.run === run && this.runs.delete(key), this.retainMs).unref()
    })
    return true
  }

  /** Forgets `key` at once (a shared board lost the race for it). */
  forget(key: string, run: Run): void {
    if (this.runs.get(key)?.run === run) this.runs.delete(key)
  }

  async stop(key: string, reason: string): Promise<boolean> {
    return this.cancel(key, reason)
  }

  /** Cancels this host's running run under `key`; false when there is none. */
  cancel(key: string, reason: string): boolean {
    const run = this.get(key)
    if (!run || run.ended) return false
    run.cancel(reason)
    return true
  }

  /** This host's runs that have not ended, with their keys. */
  running(): [string, Run][] {
    return [...this.runs].filter(([, entry]) => !entry.run.ended).map(([key, entry]) => [key, entry.run])
  }

  async cancelAll(reason: string): Promise<void> {
    const running = this.running().map(([, run]) => run)
    for (const run of running) run.cancel(reason)
    await Promise.all(running.map((run) => run.done))
  }

  async drain(ms: number): Promise<boolean> {
    const running = this.running().map(([, run]) => run)
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
    const all = Promise.all(running.map((run) => run.done)).then(() => true as const)
    const drained = await Promise.race([all, timeout])
    clearTimeout(timer)
    return drained
  }

  async close(): Promise<void> {}
}
