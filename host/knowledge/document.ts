/**
 * What every parser makes of a source, whatever its format: a title, where it lives, and its
 * blocks in reading order. The chunker (chunk.ts) only ever sees this shape, so a new format is
 * one new parser and no change to chunking.
 */

/** A heading: opens a section that runs to the next heading of the same or a higher level. */
export type HeadingBlock = {
  kind: 'heading'
  /** 1 for h1 … 6 for h6. */
  level: number
  text: string
  /** The anchor a link can jump to (`#id`), when the document has one. */
  id?: string
}

/**
 * A piece of content the chunker keeps whole when it can:
 * - `paragraph`: prose; an oversized one splits between sentences.
 * - `list-item`: one item (its nested items as indented lines below it).
 * - `code`: kept verbatim; splits between lines only when it alone exceeds the largest chunk.
 * - `record`: one row of a table or CSV, or one JSON entry, as `name: value` text; splits between lines.
 */
export type ContentBlock = { kind: 'paragraph' | 'list-item' | 'code' | 'record'; text: string }

export type Block = HeadingBlock | ContentBlock

export type ParsedDocument = {
  title: string
  /** Where a visitor can read the document, or null for uploads and pasted text. */
  url: string | null
  blocks: Block[]
}

/** What `parseSource` returns: a fetched HTML page also tells a crawler where it links to and its canonical address. */
export type ParsedSource = ParsedDocument & {
  /** The page's http(s) links, absolute, without fragments, each once, in document order (HTML only). */
  links?: string[]
  /** The page's `<link rel=canonical>`, absolute (HTML only, when present). */
  canonicalUrl?: string
}
