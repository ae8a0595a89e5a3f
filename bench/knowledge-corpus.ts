/**
 * The knowledge benchmark's document set: the PostgreSQL 15 manual as Debian's
 * `postgresql-doc-15` ships it (~1,170 HTML pages under /usr/share/doc/postgresql-doc-15/html),
 * installed with apt-get when missing (as .ci/run installs what the tests need).
 *
 * Each page is imported as the importer would store it (host/knowledge/importer.ts): a `file`
 * source with the page's bytes, parsed by `parseSource` and cut by `chunkDocument`, its chunks
 * handed to `replaceKnowledgeChunks`. Two differences, both because `importFile` takes no URL:
 * the page is parsed with the URL it has on postgresql.org (so its chunks carry that URL, as a
 * crawled page's would, and the evaluation can tell which page a hit is from), and parsing runs in
 * this thread rather than in the importer's worker (a worker per page would add its ~0.5 s start
 * to every page; the parse itself is the same code). The importer's limit of 200 sources per
 * agent is not applied: the store has none, and one agent holds the whole manual.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chunkDocument } from '../host/knowledge/chunk.ts'
import { parseSource } from '../host/knowledge/parse.ts'
import type { KnowledgeChunk, Store } from '../host/store/store.ts'

export const MANUAL_PACKAGE = 'postgresql-doc-15'
export const MANUAL_DIR = `/usr/share/doc/${MANUAL_PACKAGE}/html`
export const MANUAL_URL = 'https://www.postgresql.org/docs/15/'

/** The manual's folder, installing Debian's package first when it is missing (needs root, as .ci/run does). */
export function ensureManual(): string {
  if (!existsSync(MANUAL_DIR)) {
    console.log(`knowledge: installing Debian's ${MANUAL_PACKAGE} (the document set)…`)
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', '--no-upgrade', MANUAL_PACKAGE], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  }
  return MANUAL_DIR
}

export type ManualPage = { file: string; bytes: Uint8Array }

export function readManual(dir = MANUAL_DIR): ManualPage[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.html'))
    .sort()
    .map((file) => ({ file, bytes: readFileSync(join(dir, file)) }))
}

/** A page's text for `checkQuestionPages`, or null when the manual has no such page. */
export const readManualPage = (file: string, dir = MANUAL_DIR): string | null => {
  const path = join(dir, file)
  return existsSync(path) ? readFileSync(path, 'utf8') : null
}

export type ImportTimes = {
  pages: number
  chunks: number
  bytes: number
  /** Wall time of the whole import, and the parts of it spent parsing + chunking and in the store. */
  wallMs: number
  parseMs: number
  storeMs: number
}

/** Imports every page into `agentId`'s draft, one source per page, in order; returns the times and the chunks stored. */
export async function importManual(store: Store, agentId: string, pages: ManualPage[]): Promise<{ times: ImportTimes; chunks: KnowledgeChunk[] }> {
  const chunks: KnowledgeChunk[] = []
  let bytes = 0
  let parseMs = 0
  let storeMs = 0
  const started = performance.now()
  for (const page of pages) {
    let t = performance.now()
    const source = await store.addKnowledgeSource(agentId, {
      kind: 'file',
      title: page.file.replace(/\.html$/, ''),
      origin: page.file,
      file: { data: page.bytes, contentType: 'text/html' },
    })
    if (!source) throw new Error(`knowledge bench: agent ${agentId} is gone`)
    storeMs += performance.now() - t
    t = performance.now()
    const pageChunks: KnowledgeChunk[] = chunkDocument(
      await parseSource({ bytes: page.bytes, filename: page.file, contentType: 'text/html', url: MANUAL_URL + page.file }),
    )
    parseMs += performance.now() - t
    t = performance.now()
    await store.replaceKnowledgeChunks(agentId, source.id, pageChunks)
    storeMs += performance.now() - t
    chunks.push(...pageChunks)
    bytes += page.bytes.byteLength
  }
  const wallMs = performance.now() - started
  return { times: { pages: pages.length, chunks: chunks.length, bytes, wallMs, parseMs, storeMs }, chunks }
}
