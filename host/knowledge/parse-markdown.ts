/**
 * Markdown to blocks: marked renders it to HTML, which parse-html.ts reads like any page. One
 * reader for both formats means raw HTML inside markdown, entities, emphasis and tables come out
 * the same way. marked is 0.6 MB installed with no dependencies, against 2.9 MB in 32 packages
 * for mdast-util-from-markdown; it is the parser the widget's ecosystem already renders with.
 */
import { Marked } from 'marked'
import type { Block, ParsedDocument } from './document.ts'
import { htmlFragmentBlocks } from './parse-html.ts'

const marked = new Marked({ gfm: true, async: false })

export type MarkdownInput = { url?: string | null; title?: string; fallbackTitle: string }

export function parseMarkdown(source: string, { url = null, title, fallbackTitle }: MarkdownInput): ParsedDocument {
  const { body, frontMatterTitle } = splitFrontMatter(source)
  const blocks = withHeadingIds(htmlFragmentBlocks(marked.parse(body) as string))
  const firstH1 = blocks.find((block) => block.kind === 'heading' && block.level === 1)?.text
  return { title: title || frontMatterTitle || firstH1 || fallbackTitle, url, blocks }
}

/** YAML front matter (`---` lines around `key: value`s) is metadata, not text; its `title:` names the document. */
function splitFrontMatter(source: string): { body: string; frontMatterTitle?: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/.exec(source)
  if (!match) return { body: source }
  const titleLine = /^title:[ \t]*(.+)$/m.exec(match[1]!)
  const frontMatterTitle = titleLine?.[1]?.trim().replace(/^(['"])(.*)\1$/, '$2')
  return { body: source.slice(match[0].length), ...(frontMatterTitle ? { frontMatterTitle } : {}) }
}

/**
 * Each heading's anchor as the places that render markdown make it: an explicit `{#id}` at its
 * end (Pandoc, kramdown, Hugo), else GitHub's slug (lower case, punctuation dropped, spaces as
 * dashes, `-1`, `-2` for repeats).
 */
function withHeadingIds(blocks: Block[]): Block[] {
  const seen = new Map<string, number>()
  return blocks.map((block) => {
    if (block.kind !== 'heading') return block
    const explicit = /\s*\{#([^\s}]+)\}$/.exec(block.text)
    if (explicit) return { ...block, text: block.text.slice(0, explicit.index), id: explicit[1]! }
    const slug = block.text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-')
    const repeats = seen.get(slug) ?? 0
    seen.set(slug, repeats + 1)
    return { ...block, id: repeats === 0 ? slug : `${slug}-${repeats}` }
  })
}
