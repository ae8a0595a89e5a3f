/**
 * Sitemaps (sitemaps.org): a `<urlset>` lists pages in `<url><loc>`, a `<sitemapindex>` lists
 * further sitemaps in `<sitemap><loc>`. parse5 (already here for HTML) reads them: an XML
 * sitemap is a tree of elements HTML does not know, which it keeps as they are, entities
 * decoded; CDATA sections, which HTML would drop as comments, are turned into text first.
 * Gzipped sitemaps (`.xml.gz`) are unpacked, never past the size limit.
 */
import { gunzipSync } from 'node:zlib'
import { type DefaultTreeAdapterTypes, parse } from 'parse5'

type Node = DefaultTreeAdapterTypes.ChildNode | DefaultTreeAdapterTypes.Document

export type SitemapEntries = { pages: string[]; sitemaps: string[] }

/** The http(s) page and sitemap URLs a sitemap lists, each once, in document order. */
export function readSitemap(bytes: Uint8Array, maxBytes: number): SitemapEntries {
  const text = new TextDecoder('utf-8').decode(isGzip(bytes) ? gunzipSync(bytes, { maxOutputLength: maxBytes }) : bytes)
  const xml = text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, inner: string) => inner.replace(/&/g, '&amp;').replace(/</g, '&lt;'))
  const pages = new Set<string>()
  const sitemaps = new Set<string>()
  const visit = (node: Node, parent: string | undefined) => {
    if ('tagName' in node && node.tagName === 'loc') {
      const url = httpUrl(textOf(node))
      if (url && parent === 'url') pages.add(url)
      if (url && parent === 'sitemap') sitemaps.add(url)
      return
    }
    if ('childNodes' in node) for (const child of node.childNodes) visit(child, 'tagName' in node ? node.tagName : undefined)
  }
  visit(parse(xml), undefined)
  return { pages: [...pages], sitemaps: [...sitemaps] }
}

const isGzip = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b

function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value
  return 'childNodes' in node ? node.childNodes.map(textOf).join('') : ''
}

function httpUrl(value: string): string | null {
  try {
    const url = new URL(value.trim())
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    url.hash = ''
    return url.href
  } catch {
    return null
  }
}
