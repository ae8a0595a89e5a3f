/**
 * A web source as it is stored: what the owner asked for (kept in the source's options, so a
 * refresh or a host taking the import over crawls the same pages), its default name, and how
 * a crawl that read no page is explained.
 */
import type { KnowledgeSourceRecord, SkippedPage } from '../../store/store.ts'
import type { WebPlan } from './crawl.ts'

/** Pages a source reads when its options name no limit (PORCH_KNOWLEDGE_MAX_PAGES's default). */
const DEFAULT_MAX_PAGES = 500

/** What a web source asks for, as the owner API takes it; kept in the source's options so a refresh repeats it. */
export type WebSourceRequest =
  | { kind: 'url'; urls: string[]; title?: string; followLinks?: boolean; maxPages?: number }
  | { kind: 'sitemap'; url: string; title?: string; maxPages?: number }

/** A web source's crawl, from the options it was stored with. */
export function webPlanOf(source: KnowledgeSourceRecord): WebPlan {
  const options = source.options as { urls?: string[]; url?: string; follow_links?: boolean; max_pages?: number }
  const maxPages = options.max_pages ?? DEFAULT_MAX_PAGES
  if (source.kind === 'sitemap') return { kind: 'sitemap', url: options.url ?? source.origin, maxPages }
  return { kind: 'url', urls: options.urls ?? [source.origin], followLinks: options.follow_links ?? false, maxPages }
}

/** A web source's name when the owner gives none: the first URL's host and path. */
export function defaultWebTitle(origin: string): string {
  const url = new URL(origin)
  return `${url.host}${url.pathname === '/' ? '' : url.pathname}`.slice(0, 200)
}

/** Why a web source read no page, and for a refresh, that its earlier pages are still used. */
export const noPageRead = (skipped: SkippedPage[], refresh: boolean) => {
  const why =
    skipped.length === 1
      ? skipped[0]!.reason
      : `None of its ${skipped.length} pages could be read (see the skipped pages)${skipped[0] ? `; the first: ${skipped[0].reason}` : '.'}`
  return refresh ? `Refreshing failed: ${why} The pages read before are still used.` : why
}
