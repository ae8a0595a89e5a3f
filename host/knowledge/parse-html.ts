/**
 * HTML to blocks. parse5 builds the tree: it is the spec's own parsing algorithm (the tree a
 * browser builds, so broken markup reads as a visitor sees it), 0.9 MB installed with its one
 * dependency, against 3.3 MB for node-html-parser (not spec-compliant) and 8.3 MB for linkedom.
 *
 * Only what a visitor reads counts: scripts, styles, navigation, forms and the page's own banner
 * and footer are dropped, and `<main>` (else the first `<article>`) is read when the page has one.
 * Navigation that is not marked as such (a docs page's "Prev / Up / Home / Next" table) is found
 * as readability-style extractors find it, by link density (`isLinkBoilerplate`).
 * Links are gathered from the whole page, navigation included: that is where a crawler finds
 * the other pages.
 */
import { type DefaultTreeAdapterTypes, parse, parseFragment } from 'parse5'
import type { Block, ParsedSource } from './document.ts'
import { recordText } from './record-text.ts'

type Node = DefaultTreeAdapterTypes.Node
type Element = DefaultTreeAdapterTypes.Element

/** Never read: not content, or not the page's own content. */
const SKIPPED = new Set('head script style noscript template nav aside form button select svg math iframe object canvas dialog'.split(' '))
const SKIPPED_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'dialog', 'alertdialog'])
/** Inside these, `<header>` and `<footer>` belong to the content (an article's title, a section's note), as ARIA reads them. */
const SECTIONING = new Set(['article', 'main', 'section'])
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'])
/** Elements that end the paragraph before them. */
const BLOCK_LEVEL = new Set(
  'address article blockquote body center dd details div dl dt fieldset figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr html li main ol p pre section summary table tbody td tfoot th thead tr ul'.split(
    ' ',
  ),
)

export type HtmlInput = { url?: string | null; title?: string; fallbackTitle: string }

export function parseHtml(html: string, { url = null, title, fallbackTitle }: HtmlInput): ParsedSource {
  const document = parse(html)
  const elements = [...descendants(document)]
  const byTag = (tag: string) => elements.find((element) => element.tagName === tag)
  const base = resolveUrl(attr(byTag('base'), 'href'), url) ?? url
  const root = elements.find((element) => element.tagName === 'main' || attr(element, 'role') === 'main') ?? byTag('article') ?? byTag('body') ?? document
  // A page that is nothing but links (a site map) keeps them: they are all it says.
  const withoutLinkBoilerplate = readBlocks(root, false, true)
  const blocks = withoutLinkBoilerplate.some((block) => block.kind !== 'heading') ? withoutLinkBoilerplate : readBlocks(root, false, false)
  const pageTitle = collapse(textOf(byTag('title') ?? null))
  const firstH1 = blocks.find((block) => block.kind === 'heading' && block.level === 1)?.text
  const canonical = elements.find((element) => element.tagName === 'link' && /(^|\s)canonical(\s|$)/i.test(attr(element, 'rel') ?? ''))
  const links = new Set<string>()
  for (const element of elements) {
    if (element.tagName !== 'a' && element.tagName !== 'area') continue
    const href = resolveUrl(attr(element, 'href'), base)
    if (href?.startsWith('http:') || href?.startsWith('https:')) links.add(href.replace(/#.*$/, ''))
  }
  const canonicalUrl = resolveUrl(attr(canonical, 'href'), base)
  return {
    title: title || pageTitle || firstH1 || fallbackTitle,
    url,
    blocks,
    links: [...links],
    ...(canonicalUrl ? { canonicalUrl } : {}),
  }
}

/** The blocks of an HTML fragment, for raw HTML inside markdown. */
export const htmlFragmentBlocks = (html: string): Block[] => readBlocks(parseFragment(html), false, false)

function readBlocks(root: Node, insideSectioning: boolean, dropLinkBoilerplate: boolean): Block[] {
  const blocks: Block[] = []
  let inline = ''
  const flush = () => {
    const text = collapse(inline)
    if (text !== '') blocks.push({ kind: 'paragraph', text })
    inline = ''
  }
  const visit = (node: Node, inSection: boolean) => {
    if (node.nodeName === '#text') {
      inline += spaced((node as DefaultTreeAdapterTypes.TextNode).value)
      return
    }
    if (!('childNodes' in node)) return
    if (!('tagName' in node)) {
      for (const child of node.childNodes) visit(child, inSection)
      return
    }
    if (isSkipped(node, inSection)) return
    const tag = node.tagName
    if (tag === 'br') inline += '\n'
    if (!BLOCK_LEVEL.has(tag)) {
      for (const child of childrenOf(node)) visit(child, inSection)
      return
    }
    flush()
    if (dropLinkBoilerplate && isLinkBoilerplate(node, inSection)) return
    if (HEADINGS.has(tag)) {
      const text = collapse(textOf(node, inSection))
      const id = headingId(node)
      if (text !== '') blocks.push({ kind: 'heading', level: Number(tag[1]), text, ...(id ? { id } : {}) })
    } else if (tag === 'pre') {
      const code = textOf(node, inSection, false).replace(/^\n/, '').trimEnd()
      if (code.trim() !== '') blocks.push({ kind: 'code', text: code })
    } else if (tag === 'ul' || tag === 'ol') {
      for (const text of listItems(node, inSection, 0)) blocks.push({ kind: 'list-item', text })
    } else if (tag === 'table') {
      for (const text of tableRows(node, inSection)) blocks.push({ kind: 'record', text })
    } else if (tag === 'dl') {
      // A term without a description (a docs page's table of contents: "SPI_connect — connect…") is a paragraph of its own.
      let term = ''
      const flushTerm = () => {
        if (term !== '') blocks.push({ kind: 'paragraph', text: term })
        term = ''
      }
      for (const child of elementChildren(node)) {
        if (child.tagName === 'dt') {
          flushTerm()
          term = collapse(textOf(child, inSection))
        } else if (child.tagName === 'dd') {
          blocks.push({ kind: 'paragraph', text: [term, collapse(textOf(child, inSection))].filter(Boolean).join(': ') })
          term = ''
        }
      }
      flushTerm()
    } else {
      const nowInSection = inSection || SECTIONING.has(tag)
      for (const child of childrenOf(node)) visit(child, nowInSection)
      flush()
    }
  }
  visit(root, insideSectioning)
  flush()
  return blocks
}

function isSkipped(element: Element, inSection: boolean): boolean {
  if (SKIPPED.has(element.tagName)) return true
  if (!inSection && (element.tagName === 'header' || element.tagName === 'footer')) return true
  const role = attr(element, 'role')
  if (role && SKIPPED_ROLES.has(role)) return true
  return attr(element, 'hidden') !== undefined || attr(element, 'aria-hidden') === 'true'
}

/** Containers the link-density rule may drop; never a paragraph, heading or code, which are prose even when linked. */
const LINK_BOILERPLATE_CANDIDATES = new Set(['div', 'table', 'ul', 'ol', 'dl'])
/** Holding one of these makes a container content, however many links it has. */
const PROSE = new Set(['p', 'pre', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'])
const LINK_BOILERPLATE = {
  /** Fewer links are a reference in the content, not navigation. */
  minLinks: 2,
  /** A short block (in words) is navigation when more than `shortDensity` of its words are link text: "SELECT Prev Up SQL Commands Home Next" is 4 of 7. */
  shortWords: 25,
  shortDensity: 0.2,
  /** A longer one (a list of links: a menu, a table of contents of titles only) when more than `longDensity` are. */
  longDensity: 0.5,
} as const

/**
 * Navigation by its shape: a container without prose holding at least two links, most of whose
 * words are link text (or, when short, a fair share of them). The PostgreSQL manual's pages each
 * open and end with a table of Prev / Up / Home / Next links, 11% of its chunks before this rule.
 */
function isLinkBoilerplate(element: Element, inSection: boolean): boolean {
  if (!LINK_BOILERPLATE_CANDIDATES.has(element.tagName)) return false
  let links = 0
  let linkWords = 0
  for (const inner of descendants(element)) {
    if (PROSE.has(inner.tagName)) return false
    if (inner.tagName === 'a' && attr(inner, 'href') !== undefined && closest(inner, 'a') === undefined) {
      links++
      linkWords += countWords(textOf(inner, inSection))
    }
  }
  if (links < LINK_BOILERPLATE.minLinks) return false
  const words = countWords(textOf(element, inSection))
  const density = linkWords / Math.max(words, 1)
  return words <= LINK_BOILERPLATE.shortWords ? density > LINK_BOILERPLATE.shortDensity : density > LINK_BOILERPLATE.longDensity
}

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length

/** The heading's own id, an anchor's inside it, or its section's when it opens that section. */
function headingId(heading: Element): string | undefined {
  const own = attr(heading, 'id') || [...descendants(heading)].map((element) => attr(element, 'id') || attr(element, 'name')).find(Boolean)
  if (own) return own
  const parent = heading.parentNode
  if (parent && 'tagName' in parent && (parent.tagName === 'section' || parent.tagName === 'article') && elementChildren(parent)[0] === heading) {
    return attr(parent, 'id') || undefined
  }
  return undefined
}

/** Each item as `- text` (or `1. text`), its code blocks verbatim and its nested lists indented below it. */
function listItems(list: Element, inSection: boolean, depth: number): string[] {
  const items: string[] = []
  let number = Number(attr(list, 'start') ?? 1) || 1
  for (const item of elementChildren(list)) {
    if (item.tagName !== 'li') continue
    const marker = `${'  '.repeat(depth)}${list.tagName === 'ol' ? `${number++}. ` : '- '}`
    const nested: Element[] = []
    const lines: string[] = []
    let text = ''
    const flushText = () => {
      if (collapse(text) !== '') lines.push(collapse(text))
      text = ''
    }
    for (const child of childrenOf(item)) {
      if ('tagName' in child && (child.tagName === 'ul' || child.tagName === 'ol')) nested.push(child)
      else if ('tagName' in child && child.tagName === 'pre') {
        flushText()
        lines.push(textOf(child, inSection, false).replace(/^\n/, '').trimEnd())
      } else text += textOf(child, inSection)
    }
    flushText()
    const pad = ' '.repeat(marker.length)
    const own = lines.flatMap((line) => line.split('\n')).map((line, index) => (index === 0 ? marker + line : line === '' ? '' : pad + line))
    const all = [...own, ...nested.flatMap((child) => listItems(child, inSection, depth + 1))]
    if (all.length > 0) items.push(all.join('\n'))
  }
  return items
}

/** Each body row as `header: value; header: value`, so a row read alone still says what its values are. */
function tableRows(table: Element, inSection: boolean): string[] {
  const rows = [...descendants(table)].filter((element) => element.tagName === 'tr' && closest(element, 'table') === table)
  const cells = (row: Element) => elementChildren(row).filter((cell) => cell.tagName === 'td' || cell.tagName === 'th')
  const first = rows[0]
  const hasHeader = first !== undefined && (closest(first, 'thead') !== undefined || cells(first).every((cell) => cell.tagName === 'th'))
  const headers = hasHeader ? cells(first).map((cell) => collapse(textOf(cell, inSection))) : []
  return (hasHeader ? rows.slice(1) : rows)
    .map((row) =>
      recordText(
        headers,
        cells(row).map((cell) => collapse(textOf(cell, inSection))),
      ),
    )
    .filter((text) => text !== '')
}

/** The text a reader sees in the node; `collapseSpace` false keeps it verbatim (for `<pre>`). */
function textOf(node: Node | null, inSection = false, collapseSpace = true, excluded?: Set<Element>): string {
  if (!node) return ''
  if (node.nodeName === '#text') {
    const { value } = node as DefaultTreeAdapterTypes.TextNode
    return collapseSpace ? spaced(value) : value
  }
  if (!('childNodes' in node)) return ''
  if ('tagName' in node) {
    if (excluded?.has(node) || isSkipped(node, inSection)) return ''
    if (node.tagName === 'br') return '\n'
  }
  const parts = childrenOf(node).map((child) => textOf(child, inSection, collapseSpace, excluded))
  const separate = collapseSpace && 'tagName' in node && BLOCK_LEVEL.has(node.tagName)
  return separate ? ` ${parts.join('')} ` : parts.join('')
}

/** Source line breaks are spaces to a reader; only `<br>` breaks a line. */
const spaced = (text: string) => text.replace(/[ \t\n\r\f]+/g, ' ')

/** Runs of spaces as one, lines (from `<br>`) kept, trimmed. */
const collapse = (text: string) =>
  text
    .split('\n')
    .map((line) => line.replace(/[ \t\r\f\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n')

function* descendants(node: Node): Generator<Element> {
  for (const child of childrenOf(node)) {
    if ('tagName' in child) yield child
    yield* descendants(child)
  }
}

const childrenOf = (node: Node): Node[] => {
  if (!('childNodes' in node)) return []
  // A <template>'s content is a fragment of its own, never shown: it is skipped with the element.
  return node.childNodes
}

const elementChildren = (node: Node): Element[] => childrenOf(node).filter((child): child is Element => 'tagName' in child)

function closest(element: Element, tag: string): Element | undefined {
  for (let node = element.parentNode; node && 'tagName' in node; node = node.parentNode) if (node.tagName === tag) return node
  return undefined
}

const attr = (element: Element | undefined, name: string): string | undefined => element?.attrs.find((attribute) => attribute.name === name)?.value

function resolveUrl(href: string | undefined, base: string | null | undefined): string | undefined {
  if (href === undefined || href.trim() === '') return undefined
  try {
    return new URL(href.trim(), base ?? undefined).href
  } catch {
    return undefined
  }
}
