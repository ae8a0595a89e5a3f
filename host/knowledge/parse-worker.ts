/**
 * The worker thread that reads one source: parse + chunk, posted back as chunks or as the
 * owner-facing message of a KnowledgeParseError. It runs in its own thread with its own heap
 * (importer.ts), so a pathological file costs that thread, never the host's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { chunkDocument } from './chunk.ts'
import { KnowledgeParseError } from './errors.ts'
import { parseSource, type SourceInput } from './parse.ts'

/** Posted once the parsers are loaded: the importer's deadline counts from here, not from the thread's start. */
export type ParseReading = { kind: 'reading' }
export type ParseJob = { input: SourceInput; maxBytes: number }
export type ParseOutcome =
  | { kind: 'chunks'; chunks: ReturnType<typeof chunkDocument>; links?: string[] }
  | { kind: 'parse_error'; message: string }
  | { kind: 'crash'; message: string }

async function run({ input, maxBytes }: ParseJob): Promise<ParseOutcome> {
  try {
    const document = await parseSource(input, { maxBytes })
    return { kind: 'chunks', chunks: chunkDocument(document), ...(document.links && { links: document.links }) }
  } catch (error) {
    if (error instanceof KnowledgeParseError) return { kind: 'parse_error', message: error.message }
    return { kind: 'crash', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
}

/** A session's worker (parse-pool.ts) reads the jobs posted to it, one at a time, until it is terminated. */
export type ParseSession = { session: true }

parentPort?.postMessage({ kind: 'reading' } satisfies ParseReading)
const data = workerData as ParseJob | ParseSession
if ('session' in data) parentPort?.on('message', async (job: ParseJob) => parentPort?.postMessage(await run(job)))
else parentPort?.postMessage(await run(data))
