/**
 * The built widget (dist/widget, made by `npm run build`), held in memory with its SRI hashes.
 * Files are served under a versioned path that never changes meaning, so they can be cached
 * for a year and pinned with `integrity`.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
export const WIDGET_VERSION = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version

export type Asset = { body: Uint8Array; contentType: string; integrity: string; etag: string }

/** The small stylesheet of the hosted pages: a file, since their CSP allows no inline style. */
const PAGE_CSS = 'html,body{margin:0;height:100%;background:#fff}@media (prefers-color-scheme:dark){html,body{background:#17191d}}porch-chat{display:block;height:100dvh}'

const FILES: Record<string, string> = { 'porch-chat.js': 'text/javascript; charset=utf-8', 'embed.js': 'text/javascript; charset=utf-8' }

export type WidgetAssets = {
  version: string
  /** A file of the current version, or null when unknown (or the widget is not built). */
  get(name: string): Asset | null
}

const asset = (body: Uint8Array, contentType: string): Asset => {
  const digest = createHash('sha384').update(body).digest('base64')
  return { body, contentType, integrity: `sha384-${digest}`, etag: `"${digest.slice(0, 27)}"` }
}

export function loadWidgetAssets(dir = `${root}dist/widget`): WidgetAssets {
  const cache = new Map<string, Asset>([['page.css', asset(new TextEncoder().encode(PAGE_CSS), 'text/css; charset=utf-8')]])
  return {
    version: WIDGET_VERSION,
    get(name) {
      const cached = cache.get(name)
      if (cached) return cached
      const type = FILES[name]
      if (!type) return null
      try {
        const loaded = asset(readFileSync(`${dir}/${name}`), type)
        cache.set(name, loaded)
        return loaded
      } catch {
        return null
      }
    },
  }
}
