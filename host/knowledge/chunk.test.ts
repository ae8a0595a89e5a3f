import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chunkDocument } from './chunk.ts'
import type { Block, ParsedDocument } from './document.ts'

const doc = (blocks: Block[], title = 'Guide', url: string | null = 'https://acme.example/guide'): ParsedDocument => ({ title, url, blocks })
const h = (level: number, text: string, id?: string): Block => ({ kind: 'heading', level, text, ...(id ? { id } : {}) })
const p = (text: string): Block => ({ kind: 'paragraph', text })
const code = (text: string): Block => ({ kind: 'code', text })
/** `count` distinct sentences of about 60 characters each. */
const sentences = (count: number, tag = 's') =>
  Array.from({ length: count }, (_, index) => `Sentence ${tag}${index} tells the reader one more thing about bread.`).join(' ')
const codeLines = (count: number) => Array.from({ length: count }, (_, index) => `  const line${index} = compute(${index}) // step ${index}`).join('\n')

describe('chunkDocument', () => {
  it('gives each section its heading path, outermost first, and pops back up at a higher heading', () => {
    const chunks = chunkDocument(
      doc([
        h(1, 'Guide'),
        p('Intro.'),
        h(2, 'Ordering'),
        h(3, 'Cakes'),
        p('Three days ahead.'),
        h(2, 'Delivery'),
        p('Old Town is free.'),
        h(1, 'Appendix'),
        p('More.'),
      ]),
    )
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).toEqual([
      [[], 'Intro.'],
      [['Ordering', 'Cakes'], 'Three days ahead.'],
      [['Delivery'], 'Old Town is free.'],
      [['Appendix'], 'More.'],
    ])
    expect(chunks.map((chunk) => chunk.ordinal)).toEqual([0, 1, 2, 3])
  })

  it('drops the title from the path when the first heading repeats it, with or without the site name after it', () => {
    const path = (title: string) => chunkDocument(doc([h(1, 'Opening hours'), p('Seven to six.')], title))[0]!.headingPath
    expect(path('Opening hours')).toEqual([])
    expect(path('opening  HOURS')).toEqual([])
    expect(path('Opening hours | Acme Bakery')).toEqual([])
    expect(path('Opening hours — Acme Bakery')).toEqual([])
    expect(path('Acme Bakery')).toEqual(['Opening hours'])
    expect(path('Opening hours and holidays')).toEqual(['Opening hours'])
  })

  it("links each chunk to its nearest heading's id, falling back to an outer heading, and never to a fragment for uploads", () => {
    const blocks = [p('Top.'), h(2, 'Weekend', 'weekend'), h(3, 'Saturday'), p('Eight to two.'), h(3, 'Sunday', 'sunday'), p('Closed.')]
    expect(chunkDocument(doc(blocks, 'Hours', 'https://acme.example/hours#old')).map((chunk) => chunk.url)).toEqual([
      'https://acme.example/hours#old',
      'https://acme.example/hours#weekend',
      'https://acme.example/hours#sunday',
    ])
    expect(chunkDocument(doc(blocks, 'Hours', null)).map((chunk) => chunk.url)).toEqual([null, null, null])
  })

  it('makes nothing of empty sections or a document without content', () => {
    expect(chunkDocument(doc([h(1, 'Guide'), h(2, 'Empty'), p('  \n '), h(2, 'Also empty')]))).toEqual([])
    const chunks = chunkDocument(doc([h(2, 'Empty'), h(2, 'Full'), p('Text.')]))
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([['Full']])
  })

  it('groups small blocks up to the target and starts a new chunk past it', () => {
    const paragraphs = Array.from({ length: 12 }, (_, index) => p(`${'word '.repeat(38)}end${index}.`)) // ~195 characters each
    const chunks = chunkDocument(doc(paragraphs), { targetChars: 600, maxChars: 1000 })
    expect(chunks.length).toBe(4)
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(600)
    expect(chunks[0]!.text.split('\n\n')).toHaveLength(3)
  })

  it('keeps a code block whole, with the short lead-in that introduces it, even past the target', () => {
    const snippet = codeLines(30) // ~1,300 characters: over the target, under the max
    const chunks = chunkDocument(doc([p(sentences(10)), p('Install it with:'), code(snippet), p('Then restart.')]))
    const holding = chunks.filter((chunk) => chunk.text.includes('const line0 '))
    expect(holding).toHaveLength(1)
    expect(holding[0]!.text).toContain(snippet)
    expect(holding[0]!.text.startsWith('Install it with:\n\n')).toBe(true)
  })

  it('splits a code block longer than the max only between lines, and only that block', () => {
    const snippet = codeLines(120) // ~5,200 characters
    const chunks = chunkDocument(doc([p('Before.'), code(snippet)]), { targetChars: 1200, maxChars: 2000 })
    const pieces = chunks.filter((chunk) => chunk.text.includes('const line'))
    expect(pieces.length).toBeGreaterThanOrEqual(3)
    for (const piece of pieces) expect(piece.text.length).toBeLessThanOrEqual(2000)
    const lines = new Set(snippet.split('\n'))
    const pieceLines = pieces.flatMap((piece) => piece.text.split('\n').filter((line) => line !== '' && line !== 'Before.'))
    expect(pieceLines.every((line) => lines.has(line))).toBe(true)
    expect(pieceLines).toHaveLength(120)
  })

  it('splits a paragraph longer than the max between sentences', () => {
    const long = sentences(60) // ~3,600 characters
    const chunks = chunkDocument(doc([p(long)]), { targetChars: 1200, maxChars: 2000 })
    expect(chunks.length).toBeGreaterThanOrEqual(3)
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(2000)
      expect(chunk.text).toMatch(/^Sentence s\d+ .*bread\.$/s)
    }
    expect(chunks.map((chunk) => chunk.text).join(' ')).toBe(long)
  })

  it('splits a too-long list item between its lines first, so code inside it keeps its lines', () => {
    const item = `- Upload first:\n${codeLines(80)
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n')}`
    const chunks = chunkDocument(doc([{ kind: 'list-item', text: item }]), { targetChars: 1200, maxChars: 2000 })
    expect(chunks.length).toBeGreaterThanOrEqual(3)
    const itemLines = new Set(item.split('\n'))
    for (const chunk of chunks) for (const line of chunk.text.split('\n')) expect(itemLines.has(line), line).toBe(true)
    expect(chunks.map((chunk) => chunk.text).join('\n')).toBe(item)
  })

  it('cuts a single sentence longer than the max at spaces, and a word longer than the max anywhere', () => {
    const chunks = chunkDocument(doc([p('lorem '.repeat(500).trim()), p('x'.repeat(4500))]), { targetChars: 1000, maxChars: 1500 })
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(1500)
    expect(chunks.filter((chunk) => chunk.text.startsWith('lorem')).every((chunk) => !/^\s|\s$|lore$/.test(chunk.text))).toBe(true)
    expect(chunks.filter((chunk) => chunk.text.startsWith('x')).map((chunk) => chunk.text.length)).toEqual([1500, 1500, 1500])
  })

  it('lets a short tail join the chunk before it instead of standing alone', () => {
    const chunks = chunkDocument(doc([p('a'.repeat(1100)), p('b'.repeat(500)), p('Short end.')]), { targetChars: 1200, maxChars: 2000 })
    expect(chunks.map((chunk) => chunk.text.length)).toEqual([1100, 500 + 2 + 10])
  })

  it('writes list items one per line and single-line records as a table, multi-line records apart', () => {
    const [list] = chunkDocument(
      doc([
        { kind: 'list-item', text: '- one\n  - nested' },
        { kind: 'list-item', text: '- two' },
      ]),
    )
    expect(list!.text).toBe('- one\n  - nested\n- two')
    const [rows] = chunkDocument(
      doc([
        { kind: 'record', text: 'a: 1' },
        { kind: 'record', text: 'a: 2' },
        { kind: 'record', text: 'b: 3\nc: 4' },
      ]),
    )
    expect(rows!.text).toBe('a: 1\na: 2\n\nb: 3\nc: 4')
  })

  it('hashes sha256 of [title, headingPath, url, text]: stable across runs, distinct per chunk, changed by any field', () => {
    const blocks = [h(2, 'A', 'a'), p('Same text.'), h(2, 'B', 'b'), p('Same text.')]
    const chunks = chunkDocument(doc(blocks))
    const first = chunks[0]!
    expect(first.hash).toBe(
      createHash('sha256')
        .update(JSON.stringify([first.title, first.headingPath, first.url, first.text]))
        .digest('hex'),
    )
    expect(first.hash).toBe(createHash('sha256').update('["Guide",["A"],"https://acme.example/guide#a","Same text."]').digest('hex'))
    expect(chunkDocument(doc(blocks)).map((chunk) => chunk.hash)).toEqual(chunks.map((chunk) => chunk.hash))
    expect(new Set(chunks.map((chunk) => chunk.hash)).size).toBe(2)
    expect(chunkDocument(doc(blocks, 'Other'))[0]!.hash).not.toBe(first.hash)
    expect(chunkDocument(doc(blocks, 'Guide', null))[0]!.hash).not.toBe(first.hash)
  })

  it('refuses sizes that cannot hold a chunk', () => {
    expect(() => chunkDocument(doc([p('x')]), { targetChars: 2000, maxChars: 1000 })).toThrow(RangeError)
    expect(() => chunkDocument(doc([p('x')]), { targetChars: 0 })).toThrow(RangeError)
  })

  it('for any blocks: no chunk over the max, none empty, and no text lost or reordered', () => {
    const word = fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/)
    const text = fc
      .array(fc.tuple(word, fc.constantFrom(' ', ' ', '. ', '\n', ', ')), { minLength: 1, maxLength: 400 })
      .map((parts) => parts.flat().join('').trim())
    const block = fc.oneof(
      fc.record({ kind: fc.constantFrom('paragraph', 'list-item', 'code', 'record'), text }),
      fc.record({ kind: fc.constant('heading'), level: fc.integer({ min: 1, max: 4 }), text: word }),
    ) as fc.Arbitrary<Block>
    fc.assert(
      fc.property(fc.array(block, { maxLength: 30 }), fc.integer({ min: 50, max: 600 }), (blocks, targetChars) => {
        const maxChars = Math.round(targetChars * 1.6)
        const chunks = chunkDocument(doc(blocks), { targetChars, maxChars })
        for (const chunk of chunks) {
          expect(chunk.text.length).toBeLessThanOrEqual(maxChars)
          expect(chunk.text.trim()).not.toBe('')
        }
        const squash = (value: string) => value.replace(/\s+/g, '')
        const content = blocks.filter((item) => item.kind !== 'heading').map((item) => item.text)
        expect(squash(chunks.map((chunk) => chunk.text).join(''))).toBe(squash(content.join('')))
      }),
      { numRuns: 200, seed: 20250601 },
    )
  })
})
