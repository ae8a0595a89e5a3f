/**
 * Bytes to a parsed document: picks the parser from the content type or the file's name, checks
 * size and encoding, and turns every failure into a KnowledgeParseError the owner can act on.
 *
 * Parsing is synchronous CPU work bounded by size, not by time: pathological input (markdown
 * lists nested hundreds deep: 400 levels in 160 KB take marked 1.8 s) can hold the event loop.
 * Callers that ingest sources outside a request (uploads, the crawler) should run it off the
 * request path.
 */
import type { ParsedSource } from './document.ts'
import { KnowledgeParseError } from './errors.ts'
import { parseCsv, parseJson } from './parse-data.ts'
import { parseHtml } from './parse-html.ts'
import { parseMarkdown } from './parse-markdown.ts'
import { parsePdf } from './parse-pdf.ts'
import { parseText } from './parse-text.ts'

export type SourceInput = {
  bytes: Uint8Array
  /** The uploaded file's name; its extension picks the parser when the content type is generic. */
  filename?: string
  /** The upload's or the fetched page's Content-Type, charset included when known. */
  contentType?: string
  /** Where the source was fetched from: chunks link to it, and relative links resolve against it. */
  url?: string
  /** The owner's name for it (a pasted text's title); wins over the document's own. */
  title?: string
}

export type ParseOptions = {
  /** Larger sources are refused before parsing. */
  maxBytes?: number
}

export const DEFAULT_MAX_SOURCE_BYTES = 20 * 1024 * 1024

export type SourceFormat = 'markdown' | 'text' | 'html' | 'pdf' | 'csv' | 'json'

const BY_CONTENT_TYPE: Record<string, SourceFormat> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/json': 'json',
  'text/json': 'json',
}

const BY_EXTENSION: Record<string, SourceFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  pdf: 'pdf',
  csv: 'csv',
  json: 'json',
}

export async function parseSource(input: SourceInput, { maxBytes = DEFAULT_MAX_SOURCE_BYTES }: ParseOptions = {}): Promise<ParsedSource> {
  const { bytes, contentType, title } = input
  const url = input.url ?? null
  if (bytes.byteLength > maxBytes) {
    throw new KnowledgeParseError(
      `This file is ${formatSize(bytes.byteLength)}; the largest accepted is ${formatSize(maxBytes)}. Split it or upload a smaller one.`,
    )
  }
  const format = detectFormat(input)
  const fallbackTitle = titleFromName(input.filename, url)
  let document: ParsedSource
  try {
    document =
      format === 'pdf'
        ? await parsePdf(bytes, { url, title, fallbackTitle })
        : parseDecoded(format, decodeText(bytes, contentType, format), { url, title, fallbackTitle })
  } catch (error) {
    // The readers walk the document's tree recursively: thousands of nested elements exhaust the stack.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new KnowledgeParseError('This file is nested too deeply to read; simplify its structure or paste the text.')
    }
    throw error
  }
  if (!document.blocks.some((block) => block.kind !== 'heading')) throw new KnowledgeParseError('There is no text to read in this source.')
  return document
}

function parseDecoded(
  format: Exclude<SourceFormat, 'pdf'>,
  text: string,
  options: { url: string | null; title?: string; fallbackTitle: string },
): ParsedSource {
  const title = options.title || options.fallbackTitle
  switch (format) {
    case 'markdown':
      return parseMarkdown(text, options)
    case 'html':
      return parseHtml(text, options)
    case 'text':
      return parseText(text, { url: options.url, title })
    case 'csv':
      return parseCsv(text, { url: options.url, title })
    case 'json':
      return parseJson(text, { url: options.url, title })
  }
}

/**
 * A specific content type wins (a fetched page is what its server says it is); a generic one
 * defers to the file's extension, since browsers send `application/octet-stream` for `.md` and
 * Windows sends `application/vnd.ms-excel` for `.csv`.
 */
export function detectFormat({ filename, contentType, url }: Pick<SourceInput, 'filename' | 'contentType' | 'url'>): SourceFormat {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  const byType = BY_CONTENT_TYPE[mediaType] ?? (mediaType.endsWith('+json') ? 'json' : undefined)
  if (byType) return byType
  const extension = extensionOf(filename) ?? extensionOf(pathOf(url))
  const byExtension = extension === undefined ? undefined : BY_EXTENSION[extension]
  if (byExtension) return byExtension
  if (mediaType === 'text/plain') return 'text'
  const what = extension ? `.${extension}` : mediaType || 'unknown'
  throw new KnowledgeParseError(`Unsupported file type (${what}); upload markdown, text, HTML, PDF, CSV or JSON.`)
}

/** The text in the declared charset (UTF-8 unless the content type or an HTML `<meta charset>` says otherwise), refusing bytes that are not text in it. */
function decodeText(bytes: Uint8Array, contentType: string | undefined, format: SourceFormat): string {
  const declared = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1] ?? (format === 'html' ? metaCharset(bytes) : undefined)
  const label = (declared ?? 'utf-8').toLowerCase()
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(label, { fatal: true })
  } catch {
    throw new KnowledgeParseError(`This file is in a character set that cannot be read (${label}); save it as UTF-8 and upload it again.`)
  }
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    const encoding = decoder.encoding === 'utf-8' ? 'UTF-8' : decoder.encoding
    throw new KnowledgeParseError(`This file is not valid ${encoding} text; save it as UTF-8 and upload it again.`)
  }
  if (text.includes('\u0000')) throw new KnowledgeParseError('This file holds binary data, not text; upload markdown, text, HTML, PDF, CSV or JSON.')
  return text
}

/** `<meta charset>` within the first 1,024 bytes, where the HTML standard says a page declares it. */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024))
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1]
}

function extensionOf(name: string | undefined): string | undefined {
  const match = /\.([a-z0-9]+)$/i.exec(name ?? '')
  return match?.[1]?.toLowerCase()
}

function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).pathname
  } catch {
    return undefined
  }
}

/** A file's name without its extension, else the URL's last path segment or host. */
function titleFromName(filename: string | undefined, url: string | null): string {
  const base = filename
    ?.split(/[\\/]/)
    .pop()
    ?.replace(/\.[^.]+$/, '')
    .trim()
  if (base) return base
  if (url) {
    try {
      const parsed = new URL(url)
      const segment = decodeURIComponent(parsed.pathname.split('/').filter(Boolean).pop() ?? '').replace(/\.[^.]+$/, '')
      return segment || parsed.hostname
    } catch {
      return url
    }
  }
  return 'Untitled'
}

/** Rounded up, so a file just over the limit never reads as the limit itself. */
function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`
  return `${Math.ceil((bytes / (1024 * 1024)) * 10) / 10} MiB`
}
