/**
 * Incremental, safe markdown for assistant replies.
 *
 * streaming-markdown (smd) parses text as it arrives and only ever appends; this module is the
 * renderer it drives. Safety comes from construction, not from cleaning up afterwards: elements
 * come from a fixed token → tag table (anything unknown becomes a `span`), content only ever
 * becomes Text nodes (so raw HTML in the markdown stays literal text), and the only values taken
 * from the content into attributes are checked: http/https/mailto URLs, a code language and a
 * list start number. Images are never loaded: an allowed image becomes a link to it.
 *
 * Plain DOM, no Lit, and nothing touches `window` or `document` at import time (SSR-safe).
 */
import * as smd from 'streaming-markdown'

export type MarkdownOptions = {
  /** Text of the button on code blocks. */
  copyLabel?: string
  /** Shown on that button for a moment after a successful copy. */
  copiedLabel?: string
  /** Runs a flush later; writes before it runs are batched. Default: `requestAnimationFrame`. */
  schedule?: (flush: () => void) => void
}

/** The open elements and their smd tokens, innermost last; `nodes[0]` is the root. */
type State = {
  nodes: Element[]
  tokens: number[]
  /** Text smd handed to a container element; see `addText`. */
  stash: string
  copyLabel: string
  copiedLabel: string
  /** Link elements that were given a URL (allowed or not); see `endToken`. */
  withUrl: WeakSet<Element>
}

const TAGS: Partial<Record<number, string>> = {
  [smd.PARAGRAPH]: 'p',
  [smd.BLOCKQUOTE]: 'blockquote',
  [smd.LINE_BREAK]: 'br',
  [smd.RULE]: 'hr',
  [smd.ITALIC_AST]: 'em',
  [smd.ITALIC_UND]: 'em',
  [smd.STRONG_AST]: 'strong',
  [smd.STRONG_UND]: 'strong',
  [smd.STRIKE]: 'del',
  [smd.CODE_INLINE]: 'code',
  [smd.LIST_UNORDERED]: 'ul',
  [smd.LIST_ORDERED]: 'ol',
  [smd.LIST_ITEM]: 'li',
  [smd.TABLE]: 'table',
  // LINK, RAW_URL and IMAGE start as a span: their URL arrives only after their text.
}

/** Tokens whose element holds blocks, never text of its own. */
const CONTAINERS: number[] = [smd.DOCUMENT, smd.BLOCKQUOTE, smd.LIST_UNORDERED, smd.LIST_ORDERED, smd.TABLE, smd.TABLE_ROW]

const LINK_PROTOCOLS = ['http:', 'https:', 'mailto:']

/**
 * The URL as the browser will resolve it, if it is an absolute http, https or mailto URL.
 * Parsing with the URL parser (not a regex) sees what the browser sees: it drops tabs, newlines
 * and leading control characters, so `java\tscript:` is `javascript:`. No base URL is given, so
 * relative and protocol-relative URLs throw and are refused. A trailing `"title"` is dropped.
 */
export function safeUrl(value: string): string | undefined {
  try {
    const url = new URL(value.trim().split(/\s/)[0] ?? '')
    return LINK_PROTOCOLS.includes(url.protocol) ? url.href : undefined
  } catch {
    return undefined
  }
}

const el = (tag: string) => document.createElement(tag)
const top = (s: State) => s.nodes[s.nodes.length - 1]!
const topToken = (s: State) => s.tokens[s.tokens.length - 1]!

function addToken(s: State, type: smd.Token): void {
  let parent = top(s)
  if (s.stash && !CONTAINERS.includes(topToken(s))) {
    parent.append(s.stash)
    s.stash = ''
  }
  let node: Element
  let outer: Element | undefined
  switch (type) {
    case smd.CODE_BLOCK:
    case smd.CODE_FENCE:
      outer = codeBlock(s, (node = el('code')))
      break
    case smd.CHECKBOX:
      node = el('input')
      node.setAttribute('type', 'checkbox')
      node.setAttribute('disabled', '')
      break
    case smd.TABLE_ROW:
      // The first row is the header; smd skips the |---| line.
      parent = parent.children[1] ?? parent.appendChild(el(parent.firstElementChild ? 'tbody' : 'thead'))
      node = el('tr')
      break
    case smd.TABLE_CELL:
      node = el(parent.parentElement?.tagName === 'THEAD' ? 'th' : 'td')
      break
    default: {
      const level = smd.heading_to_level(type)
      node = el(level ? `h${level}` : (TAGS[type] ?? 'span'))
    }
  }
  parent.append(outer ?? node)
  s.nodes.push(node)
  s.tokens.push(type)
}

function endToken(s: State): void {
  if (s.nodes.length > 1) {
    const node = s.nodes.pop()!
    // `[1]` with no `(url)` after it is no link, and CommonMark keeps its brackets; smd drops
    // them, which would turn an answer's citations [1] [2] into bare numbers.
    if (s.tokens.pop() === smd.LINK && !s.withUrl.has(node)) {
      node.prepend('[')
      node.append(']')
    }
  }
}

/**
 * smd sometimes carries text across the end of a table or a list and hands it to whichever
 * element is open when a chunk ends, so the same reply would render differently depending on
 * how the stream was split. Text that lands on a container is therefore held back and given to
 * the next element that gets text or a child: then placement no longer depends on chunking.
 * Well-formed markdown never takes this path.
 */
function addText(s: State, text: string): void {
  if (CONTAINERS.includes(topToken(s))) {
    s.stash += text
  } else {
    top(s).append(s.stash + text)
    s.stash = ''
  }
}

function setAttr(s: State, type: smd.Attr, value: string): void {
  const node = top(s)
  switch (type) {
    case smd.HREF:
    case smd.SRC:
      link(s, value, type === smd.SRC)
      s.withUrl.add(top(s))
      break
    case smd.LANG:
      value = value.trim()
      if (/^[\w+-]{1,20}$/.test(value)) node.parentElement?.setAttribute('data-lang', value)
      break
    case smd.CHECKED:
      node.setAttribute('checked', '')
      break
    case smd.START:
      // Keeps "2." as 2 when a code block between items split the list in two.
      if (/^\d{1,9}$/.test(value)) node.setAttribute('start', value)
  }
}

/** Turns the span of a link or image into an `<a>` if its URL is allowed; else it stays text. */
function link(s: State, value: string, image: boolean): void {
  const type = topToken(s)
  const href = safeUrl(value)
  // An image inside a link stays text: nested links are invalid and the outer one still works.
  if (!href || (type !== smd.LINK && type !== smd.RAW_URL && type !== smd.IMAGE) || (image && s.tokens.includes(smd.LINK))) return
  const span = top(s)
  const a = el('a')
  a.setAttribute('href', href)
  a.setAttribute('target', '_blank')
  a.setAttribute('rel', 'noopener noreferrer')
  a.append(...span.childNodes)
  if (image && !a.firstChild) a.append(href)
  span.replaceWith(a)
  s.nodes[s.nodes.length - 1] = a
}

function codeBlock(s: State, code: Element): Element {
  const wrapper = el('div')
  const button = el('button')
  const pre = el('pre')
  wrapper.setAttribute('part', 'code-block')
  button.setAttribute('part', 'copy-button')
  button.setAttribute('type', 'button')
  button.textContent = s.copyLabel
  button.addEventListener('click', () => {
    // Clipboard access can be missing or denied: then nothing happens, and nothing is thrown.
    Promise.resolve(code.textContent ?? '')
      .then((text) => navigator.clipboard.writeText(text))
      .then(
        () => {
          button.textContent = s.copiedLabel
          setTimeout(() => (button.textContent = s.copyLabel), 1500)
        },
        () => {},
      )
  })
  pre.append(code)
  wrapper.append(button, pre)
  return wrapper
}

/**
 * Renders markdown into `root` as it streams in. Each flush hands smd only the text written since
 * the last one, and smd only appends to the DOM: the work per chunk is proportional to the chunk.
 */
export class MarkdownView {
  #parser: ReturnType<typeof smd.parser>
  #state: State
  #schedule: (flush: () => void) => void
  #pending = ''
  #text = ''
  #scheduled = false
  #ended = false

  constructor(root: HTMLElement, options: MarkdownOptions = {}) {
    this.#schedule = options.schedule ?? ((flush) => requestAnimationFrame(flush))
    this.#state = {
      nodes: [root],
      tokens: [smd.DOCUMENT],
      stash: '',
      copyLabel: options.copyLabel ?? 'Copy',
      copiedLabel: options.copiedLabel ?? 'Copied',
      withUrl: new WeakSet(),
    }
    this.#parser = smd.parser({ data: this.#state, add_token: addToken, end_token: endToken, add_text: addText, set_attr: setAttr })
  }

  /** All markdown written so far. */
  get text(): string {
    return this.#text
  }

  /** Buffers `chunk`; the buffer is parsed at the next scheduled flush (at most one pending). Ignored after `end()`. */
  write(chunk: string): void {
    if (this.#ended || !chunk) return
    this.#text += chunk
    this.#pending += chunk
    if (this.#scheduled) return
    this.#scheduled = true
    this.#schedule(() => {
      this.#scheduled = false
      this.flush()
    })
  }

  /** Parses the buffered text now. */
  flush(): void {
    if (!this.#pending) return
    const chunk = this.#pending
    this.#pending = ''
    smd.parser_write(this.#parser, chunk)
  }

  /** Flushes and finishes the reply: text smd was still holding back (e.g. `**`) is rendered. */
  end(): void {
    if (this.#ended) return
    this.flush()
    this.#ended = true
    smd.parser_end(this.#parser)
    if (this.#state.stash) top(this.#state).append(this.#state.stash)
    this.#state.stash = ''
  }
}

/** Renders a whole markdown text at once (e.g. a reply restored from history). */
export function renderMarkdown(root: HTMLElement, markdown: string, options: MarkdownOptions = {}): void {
  const view = new MarkdownView(root, { ...options, schedule: () => {} })
  view.write(markdown)
  view.end()
}
