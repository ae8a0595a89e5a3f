/**
 * Runs in flight, so a client that lost its stream can re-attach to the same run instead of
 * starting a second one. A run buffers its events (numbered from 1, the SSE `id:`); a client
 * attaches after the id it last saw and gets the rest exactly once. When the last client
 * detaches, the run waits `graceMs` for one to come back, then is cancelled.
 */
import type { StreamEvent } from '../../../shared/index.ts'

export type NumberedEvent = { id: number; event: StreamEvent }

export type RunListener = {
  onEvent(event: NumberedEvent): void
  onEnd(): void
}

export class Run {
  readonly events: NumberedEvent[] = []
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
    this.graceTimer = setTimeout(() => this.cancel('the client disconnected and did not come back'), this.graceMs)
  }
}

export class RunRegistry {
  private readonly runs = new Map<string, Run>()
  /** Set when the host shuts down: running runs may finish, no new one starts. */
  closed = false

  constructor(private readonly retainMs = 60_000) {}

  get(key: string): Run | undefined {
    return this.runs.get(key)
  }

  /** Tracks `run` under `key` until it ends, and `retainMs` longer when `retain` is set. */
  add(key: string, run: Run, retain: boolean): void {
    this.runs.set(key, run)
    void run.done.then(() => {
      if (!retain) return void this.runs.delete(key)
      setTimeout(() => this.runs.get(key) === run && this.runs.delete(key), this.retainMs).unref()
    })
  }

  /** Cancels every running run and waits until each has stored what it produced. */
  async cancelAll(reason: string): Promise<void> {
    const running = [...this.runs.values()].filter((run) => !run.ended)
    for (const run of running) run.cancel(reason)
    await Promise.all(running.map((run) => run.done))
  }

  /** Waits for running runs to end by themselves, up to `ms`; returns whether they all did. */
  async drain(ms: number): Promise<boolean> {
    const running = [...this.runs.values()].filter((run) => !run.ended)
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
    const all = Promise.all(running.map((run) => run.done)).then(() => true as const)
    const drained = await Promise.race([all, timeout])
    clearTimeout(timer)
    return drained
  }
}
