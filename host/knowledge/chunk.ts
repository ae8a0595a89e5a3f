/**
 * Splits a parsed document into the pieces the store keeps and searches. It follows the
 * document's own structure: a section per heading, then its paragraphs, list items, code blocks
 * and table rows grouped up to about `targetChars`. A chunk never exceeds `maxChars`, never mixes
 * two sections (each chunk cites one heading), and never cuts a code block unless that block
 * alone exceeds `maxChars`.
 */
import { knowledgeChunkHash } from '../store/knowledge.ts'
import type { KnowledgeChunk } from '../store/store.ts'
import type { ContentBlock, HeadingBlock, ParsedDocument } from './document.ts'

/** The chunk type is the store's (host/store/store.ts): the pipeline makes what the store keeps. */
export type { KnowledgeChunk }

export type ChunkOptions = {
  /** The size chunks are grouped up to, in characters. */
  targetChars?: number
  /** No chunk is longer than this, in characters. */
  maxChars?: number
}

// About 300 tokens: large enough to hold a section's point with its context, small enough that
// a handful of chunks fit in the model's prompt beside the conversation.
export const DEFAULT_TARGET_CHARS = 1200
export const DEFAULT_MAX_CHARS = 2000

export function chunkDocument(doc: ParsedDocument, { targetChars = DEFAULT_TARGET_CHARS, maxChars = DEFAULT_MAX_CHARS }: ChunkOptions = {}): KnowledgeChunk[] {
  if (!(targetChars > 0 && maxChars >= targetChars)) throw new RangeError(`chunkDocument needs 0 < targetChars <= maxChars (got ${targetChars}, ${maxChars})`)
  const chunks: KnowledgeChunk[] = []
  const headings: HeadingBlock[] = []
  let section: ContentBlock[] = []
  const flushSection = () => {
    if (section.length === 0) return
    const headingPath = headings.map((heading) => heading.text)
    if (headingPath.length > 0 && repeatsTitle(headingPath[0]!, doc.title)) headingPath.shift()
    const anchor = headings.findLast((heading) => heading.id)?.id
    const url = doc.url !== null && anchor ? withFragment(doc.url, anchor) : doc.url
    for (const text of groupSection(section, targetChars, maxChars)) {
      chunks.push({ ordinal: chunks.length, title: doc.title, headingPath, url, text, hash: chunkHash(doc.title, headingPath, url, text) })
    }
    section = []
  }
  for (const block of doc.blocks) {
    if (block.kind === 'heading') {
      flushSection()
      while (headings.length > 0 && headings.at(-1)!.level >= block.level) headings.pop()
      headings.push(block)
    } else if (block.text.trim() !== '') {
      section.push(block)
    }
  }
  flushSection()
  return chunks
}

export const chunkHash = (title: string, headingPath: string[], url: string | null, text: string): string =>
  knowledgeChunkHash({ title, headingPath, url, text })

/** The heading is the title, or the title is the heading plus the site's name ("Opening hours | Acme Bakery"). */
function repeatsTitle(heading: string, title: string): boolean {
  const normalize = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase()
  const [h, t] = [normalize(heading), normalize(title)]
  return h === t || (h !== '' && t.startsWith(h) && /^ ?[|:·•–—-] /.test(t.slice(h.length)))
}

function withFragment(url: string, id: string): string {
  try {
    const parsed = new URL(url)
    parsed.hash = id
    return parsed.href
  } catch {
    return `${url.replace(/#.*$/, '')}#${encodeURIComponent(id)}`
  }
}

/** A block, or a piece of one too long to keep whole; `glue` joins a piece to the piece before it. */
type Unit = { kind: ContentBlock['kind']; text: string; glue?: string }

function groupSection(blocks: ContentBlock[], targetChars: number, maxChars: number): string[] {
  // Items are what grouping never separates: a unit, or a lead-in ("Install it with:") and what it introduces.
  const items: Group[] = []
  for (const unit of blocks.flatMap((block) => fitUnits(block, targetChars, maxChars))) {
    const item = items.at(-1)
    const last = item?.units.at(-1)
    if (item && last && last.glue === undefined && unit.glue === undefined && /:\s*$/.test(last.text) && joinedLength(item, unit) <= maxChars) {
      item.length = joinedLength(item, unit)
      item.units.push(unit)
    } else {
      items.push({ units: [unit], length: unit.text.length })
    }
  }
  const groups: Group[] = []
  for (const item of items) {
    const group = groups.at(-1)
    const joined = group ? joinedLength(group, item.units[0]!) - item.units[0]!.text.length + item.length : Number.POSITIVE_INFINITY
    // A short group (a one-line section intro) takes what follows, up to maxChars, rather than stand alone.
    if (group && (joined <= targetChars || (joined <= maxChars && group.length < targetChars / 3))) {
      group.units.push(...item.units)
      group.length = joined
    } else {
      groups.push({ units: [...item.units], length: item.length })
    }
  }
  // A short tail joins the chunk before it rather than standing alone with too little context.
  const tail = groups.at(-1)
  const beforeTail = groups.at(-2)
  if (tail && beforeTail && tail.length < targetChars / 4) {
    const joined = joinedLength(beforeTail, tail.units[0]!) - tail.units[0]!.text.length + tail.length
    if (joined <= maxChars) {
      beforeTail.units.push(...tail.units)
      beforeTail.length = joined
      groups.pop()
    }
  }
  return groups.map(({ units }) => units.map((unit, index) => (index === 0 ? '' : separator(units[index - 1]!, unit)) + unit.text).join(''))
}

type Group = { units: Unit[]; length: number }

const joinedLength = (group: Group, unit: Unit) => group.length + separator(group.units.at(-1)!, unit).length + unit.text.length

function separator(before: Unit, unit: Unit): string {
  if (unit.glue !== undefined) return unit.glue
  if (unit.kind !== before.kind) return '\n\n'
  // A list reads as a list; single-line rows as a table; multi-line records need a blank line to tell apart.
  if (unit.kind === 'list-item') return '\n'
  return unit.kind === 'record' && !before.text.includes('\n') && !unit.text.includes('\n') ? '\n' : '\n\n'
}

/**
 * The block as units no longer than maxChars. Code and records split between lines only; prose
 * keeps its lines (a list item's code, an address) and splits a too-long line between sentences.
 */
function fitUnits(block: ContentBlock, targetChars: number, maxChars: number): Unit[] {
  if (block.text.length <= maxChars) return [{ kind: block.kind, text: block.text }]
  const verbatim = block.kind === 'code' || block.kind === 'record'
  // Each piece with what joined it to the piece before it in the block.
  const pieces: { text: string; glue: string }[] = []
  for (const line of block.text.split('\n')) {
    const parts = verbatim || line.length <= targetChars ? hardSplit(line, maxChars) : sentences(line).flatMap((sentence) => hardSplit(sentence, maxChars))
    pieces.push(...parts.map((text, index) => ({ text, glue: index === 0 ? '\n' : ' ' })))
  }
  const limit = verbatim ? maxChars : targetChars
  const units: Unit[] = []
  for (const piece of pieces) {
    const last = units.at(-1)
    if (last && last.text.length + piece.glue.length + piece.text.length <= limit) last.text += piece.glue + piece.text
    else if (piece.text.trim() !== '') units.push({ kind: block.kind, text: piece.text, ...(last ? { glue: piece.glue } : {}) })
  }
  return units
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' })

const sentences = (text: string) => Array.from(sentenceSegmenter.segment(text), ({ segment }) => segment.trim()).filter((segment) => segment !== '')

/** Text longer than `limit` cut at the last space before it (or at the limit, when a word is longer than half of it). */
function hardSplit(text: string, limit: number): string[] {
  if (text.length <= limit) return [text]
  const pieces: string[] = []
  let rest = text
  while (rest.length > limit) {
    let cut = rest.lastIndexOf(' ', limit)
    if (cut < limit / 2) cut = limit
    // Never between the two halves of a surrogate pair.
    if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut -= 1
    pieces.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).trimStart()
  }
  if (rest !== '') pieces.push(rest)
  return pieces
}
