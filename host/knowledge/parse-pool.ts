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

  return {
    /** Reads one source in a new worker; settles (never rejects) with its chunks or why not. */
    parse,
    /** Terminates every running worker: their reads settle as crashes. */
    async terminateAll(): Promise<void> {
      await Promise.all([...running].map((worker) => worker.terminate()))
    },
  }
}

/**
 * The worker's entry, as code: a `.ts` file cannot be a worker's entry even with
 * `execArgv: ['--import', 'tsx']` (Node 20 rejects the extension before the hook applies), so
 * the worker registers tsx's loader itself, then imports parse-worker.ts. Works alike under
 * `tsx host/main.ts` and in vitest.
 */
const WORKER_BOOT = (() => {
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href
  const entry = new URL('./parse-worker.ts', import.meta.url).href
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
})()
