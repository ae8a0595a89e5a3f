/**
 * The worker threads that read sources: one per source (or web page), with its own heap
 * (`heapMb`) and a deadline (`timeoutMs`), past either terminated with the owner's message,
 * the host unharmed. Starting one costs about 0.5 s (tsx compiles the parsers in the new
 * thread), cheap beside the parse it guards; the deadline counts from when the parsers are loaded.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ParseJob, ParseOutcome, ParseReading } from './parse-worker.ts'

/** How long a worker may take to load the parsers before its deadline starts (about 0.5 s on a laptop). */
const BOOT_MS = 15_000

export const TOO_SLOW_MESSAGE = 'This file took too long to read; simplify it (deeply nested lists or tables) or split it, then upload it again.'
export const TOO_BIG_TO_READ_MESSAGE = 'This file needs too much memory to read; split it into smaller files and upload them again.'

export type ParsePool = ReturnType<typeof createParsePool>

export function createParsePool({ timeoutMs, heapMb }: { timeoutMs: number; heapMb: number }) {
  const running = new Set<Worker>()

  function parse(job: ParseJob): Promise<ParseOutcome> {
    return new Promise((resolve) => {
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } })
      running.add(worker)
      let outcome: ParseOutcome | undefined
      const deadline = (ms: number, message: ParseOutcome) =>
        setTimeout(() => {
          outcome ??= message
          void worker.terminate()
        }, ms)
      // Loading the parsers (tsx compiles them in the new thread) is the host's cost, not the file's.
      let timer = deadline(BOOT_MS, { kind: 'crash', message: `the worker did not start within ${BOOT_MS} ms` })
      worker.on('message', (message: ParseOutcome | ParseReading) => {
        if (message.kind !== 'reading') outcome ??= message
        else {
          clearTimeout(timer)
          timer = deadline(timeoutMs, { kind: 'parse_error', message: TOO_SLOW_MESSAGE })
        }
      })
      worker.once('error', (error) => {
        const heap = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
        outcome ??= heap ? { kind: 'parse_error', message: TOO_BIG_TO_READ_MESSAGE } : { kind: 'crash', message: error.stack ?? error.message }
      })
      worker.once('exit', () => {
        clearTimeout(timer)
        running.delete(worker)
        resolve(outcome ?? { kind: 'crash', message: 'the worker exited without an answer' })
      })
    })
  }

  /**
   * A worker kept for many reads, one at a time (a crawl's pages): starting a worker costs about
   * 0.5 s, more than reading a typical page (41 pages took 32 s with a worker each, on 2 busy
   * cores). Each read still has the deadline and the heap; a read past either ends the worker,
   * and the next read starts a new one.
   */
  function session() {
    type Live = { worker: Worker; ready: Promise<boolean>; settle: ((outcome: ParseOutcome) => void) | null }
    let live: Live | null = null
    let turn: Promise<unknown> = Promise.resolve()

    function start(): Live {
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { session: true }, resourceLimits: { maxOldGenerationSizeMb: heapMb } })
      running.add(worker)
      let booted!: (ok: boolean) => void
      const state: Live = { worker, ready: new Promise((resolve) => (booted = resolve)), settle: null }
      const boot = setTimeout(() => void worker.terminate(), BOOT_MS)
      let failure: ParseOutcome | undefined
      worker.on('message', (message: ParseOutcome | ParseReading) => {
        if (message.kind === 'reading') {
          clearTimeout(boot)
          booted(true)
        } else state.settle?.(message)
      })
      worker.once('error', (error) => {
        const heap = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
        failure = heap ? { kind: 'parse_error', message: TOO_BIG_TO_READ_MESSAGE } : { kind: 'crash', message: error.stack ?? error.message }
      })
      worker.once('exit', () => {
        clearTimeout(boot)
        running.delete(worker)
        if (live === state) live = null
        booted(false)
        state.settle?.(failure ?? { kind: 'crash', message: 'the worker exited without an answer' })
      })
      return state
    }

    async function readOne(job: ParseJob): Promise<ParseOutcome> {
      live ??= start()
      const state = live
      if (!(await state.ready)) return { kind: 'crash', message: `the worker did not start within ${BOOT_MS} ms` }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          // The next read starts a new worker, never posts to this one while it is ending.
          if (live === state) live = null
          state.settle?.({ kind: 'parse_error', message: TOO_SLOW_MESSAGE })
          void state.worker.terminate()
        }, timeoutMs)
        state.settle = (outcome) => {
          clearTimeout(timer)
          state.settle = null
          resolve(outcome)
        }
        state.worker.postMessage(job)
      })
    }

    return {
      /** Reads one source in the session's worker, after the reads before it; settles (never rejects). */
      parse(job: ParseJob): Promise<ParseOutcome> {
        const outcome = turn.then(() => readOne(job))
        turn = outcome
        return outcome
      },
      async close(): Promise<void> {
        await live?.worker.terminate()
      },
    }
  }

  return {
    /** Reads one source in a new worker; settles (never rejects) with its chunks or why not. */
    parse,
    session,
    /** Terminates every running worker: their reads settle as crashes. */
    async terminateAll(): Promise<void> {
      await Promise.all([...running].map((worker) => worker.terminate()))
    },
  }
}

/**
 * The worker's entry, as code. Compiled (dist/server, `npm run build:prod`), it imports
 * parse-worker.js. From source, a `.ts` file cannot be a worker's entry even with
 * `execArgv: ['--import', 'tsx']` (Node 20 rejects the extension before the hook applies), so
 * the worker registers tsx's loader itself, then imports parse-worker.ts: works alike under
 * `tsx host/main.ts` and in vitest, and the compiled host never loads tsx (a dev dependency).
 */
const WORKER_BOOT = (() => {
  if (!import.meta.url.endsWith('.ts')) return `import(${JSON.stringify(new URL('./parse-worker.js', import.meta.url).href)})`
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href
  const entry = new URL('./parse-worker.ts', import.meta.url).href
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
})()
