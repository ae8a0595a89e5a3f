/**
 * The Knowledge tab's calls to the owner API (host/routes/owner/knowledge.ts) and the pure
 * helpers its views share: no DOM here, so they are tested in Node.
 */
import type { KnowledgeSearchReply, KnowledgeSource, KnowledgeSourceDetail } from '../../shared/owner.ts'
import { api, query } from './api.ts'

/** A page of a web source that was not imported, with the reason in words for the owner. */
export type SkippedPage = KnowledgeSource['skipped_pages'][number]

export type Source = KnowledgeSource
export type SourceDetail = KnowledgeSourceDetail
export type SearchHit = KnowledgeSearchReply['hits'][number]

export type NewWebSource =
  | { kind: 'url'; urls: string[]; title?: string; follow_links?: boolean; max_pages?: number }
  | { kind: 'sitemap'; url: string; title?: string; max_pages?: number }

/** The most URLs one web source may list (the host refuses more with 400). */
export const MAX_URLS = 100

export const knowledgeApi = (agentId: string) => {
  const base = `/agents/${encodeURIComponent(agentId)}/knowledge`
  const source = (id: string) => `${base}/sources/${encodeURIComponent(id)}`
  return {
    list: async () => (await api.get<{ sources: Source[] }>(`${base}/sources`)).sources,
    get: (id: string) => api.get<SourceDetail>(source(id)),
    addText: (title: string, text: string) => api.post<Source>(`${base}/sources`, { kind: 'text', title, text }),
    addWeb: (body: NewWebSource) => api.post<Source>(`${base}/sources`, body),
    upload: (file: File) => api.upload<Source>(`${base}/files${query({ filename: file.name })}`, file),
    refresh: (id: string) => api.post<Source>(`${source(id)}/refresh`),
    remove: (id: string) => api.delete(source(id)),
    search: async (q: string, limit = 10) => (await api.get<KnowledgeSearchReply>(`${base}/search${query({ q, limit })}`)).hits,
    /** The uploaded file or pasted text, as a download (the host always sends it as an attachment). */
    fileUrl: (id: string) => `/api/v1${source(id)}/file`,
  }
}

export const KIND_LABELS: Record<Source['kind'], string> = { file: 'File', text: 'Text', url: 'Web pages', sitemap: 'Sitemap' }

/** Web sources are fetched again on Refresh; files and texts are replaced by adding them again. */
export const isWebSource = (source: Pick<Source, 'kind'>): boolean => source.kind === 'url' || source.kind === 'sitemap'

/**
 * The URLs of the web-pages form, one per line (commas and spaces also separate them), in
 * order and without repeats; `invalid` lists what is not an http(s) URL, for the owner to fix.
 */
export function parseUrlList(text: string): { urls: string[]; invalid: string[] } {
  const urls: string[] = []
  const invalid: string[] = []
  for (const entry of text.split(/[\s,]+/)) {
    if (!entry) continue
    if (!isWebUrl(entry)) invalid.push(entry)
    else if (!urls.includes(entry)) urls.push(entry)
  }
  return { urls, invalid }
}

/** The web form's body for the host, or what to fix, in words. */
export function webSourceOf(kind: 'url' | 'sitemap', data: FormData): NewWebSource | string {
  const title = String(data.get('title') ?? '').trim()
  const maxText = String(data.get('max_pages') ?? '').trim()
  const maxPages = Number(maxText)
  if (maxText && !(Number.isInteger(maxPages) && maxPages >= 1)) return 'Most pages must be a whole number, 1 or more.'
  const options = { ...(title ? { title } : {}), ...(maxText ? { max_pages: maxPages } : {}) }
  if (kind === 'sitemap') {
    const url = String(data.get('url') ?? '').trim()
    return isWebUrl(url) ? { kind, url, ...options } : 'The sitemap URL must start with http:// or https://.'
  }
  const { urls, invalid } = parseUrlList(String(data.get('urls') ?? ''))
  if (invalid.length) return `These are not http(s) URLs: ${invalid.slice(0, 5).join(', ')}${invalid.length > 5 ? ', …' : ''}`
  if (urls.length === 0) return 'List at least one page URL.'
  if (urls.length > MAX_URLS) return `List at most ${MAX_URLS} URLs (${urls.length} given); a sitemap can name more.`
  return { kind, urls, follow_links: data.get('follow_links') !== null, ...options }
}

export function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

/** A web import's progress in words: `3 / 10 pages`, or `3 pages read` before the total is known. */
export function progressText({ pages_done, pages_total }: Source['progress']): string {
  return pages_total === null ? `${pages_done} ${pages_done === 1 ? 'page' : 'pages'} read` : `${pages_done} / ${pages_total} pages`
}

/** Where a chunk or hit links to: its page for web sources, else the download of the uploaded file or text. */
export const chunkHref = (url: string | null, fileUrl: string): string => (url && isWebUrl(url) ? url : fileUrl)

/** A chunk's place in its document: `Title › Heading › Subheading`. */
export const headingTrail = (title: string, headingPath: string[]): string => [title, ...headingPath.filter((h) => h && h !== title)].join(' › ')

/** The start of a long text, cut at a word, for the search results. */
export function excerpt(text: string, max = 320): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= max) return flat
  const cut = flat.slice(0, max)
  const space = cut.lastIndexOf(' ')
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`
}
