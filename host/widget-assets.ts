/**
 * The widget files, held in memory with their SRI hashes: the current version from the build
 * (dist/widget, made by `npm run build`), every older one from its frozen copy in
 * widget/releases/<version>/. Files are served under a versioned path that never changes
 * meaning, so they can be cached for a year and pinned with `integrity`; keeping the old
 * versions is what keeps a snippet pasted years ago working after the host is upgraded.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { packageRoot as root } from './package-root.ts'

export const WIDGET_VERSION = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version
export const RELEASES_DIR = `${root}widget/releases`
/** The files a release freezes: what a snippet pins (embed.js) and what it loads (porch-chat.js). */
export const RELEASED_FILES = ['embed.js', 'porch-chat.js'] as const
/** Semver, strictly: one path segment of digits, dots and (pre-release) letters, never `..` or `/`. */
export const VERSION_PATTERN = /^\d{1,9}\.\d{1,9}\.\d{1,9}(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/

export type Asset = { body: Uint8Array; contentType: string; integrity: string; etag: string }

/** The small stylesheet of the hosted pages: a file, since their CSP allows no inline style. */
const PAGE_CSS =
  'html,body{margin:0;height:100%;background:#fff}@media (prefers-color-scheme:dark){html,body{background:#17191d}}porch-chat{display:block;height:100dvh}'

const FILES: Record<string, string> = { 'porch-chat.js': 'text/javascript; charset=utf-8', 'embed.js': 'text/javascript; charset=utf-8' }

export type WidgetAssets = {
  version: string
  /** Every version this host serves, oldest first: the frozen releases and the current one. */
  versions(): string[]
  /** A file of `version` (the current one by default), or null when unknown (or the widget is not built). */
  get(name: string, version?: string): Asset | null
}

const asset = (body: Uint8Array, contentType: string): Asset => {
  const digest = createHash('sha384').update(body).digest('base64')
  return { body, contentType, integrity: `sha384-${digest}`, etag: `"${digest.slice(0, 27)}"` }
}

const bySemver = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true })

export function loadWidgetAssets(dir = `${root}dist/widget`, releasesDir = RELEASES_DIR): WidgetAssets {
  const cache = new Map<string, Asset>([[`${WIDGET_VERSION}/page.css`, asset(new TextEncoder().encode(PAGE_CSS), 'text/css; charset=utf-8')]])
  // Listed once: releases ship with the code, and a request for an unknown version then never reaches the disk.
  let released: Set<string> | undefined
  const releases = () => (released ??= new Set(listDir(releasesDir).filter((name) => VERSION_PATTERN.test(name) && name !== WIDGET_VERSION)))
  return {
    version: WIDGET_VERSION,
    versions: () => [...releases(), WIDGET_VERSION].sort(bySemver),
    get(name, version = WIDGET_VERSION) {
      const key = `${version}/${name}`
      const cached = cache.get(key)
      if (cached) return cached
      const type = FILES[name]
      if (!type || (version !== WIDGET_VERSION && !releases().has(version))) return null
      try {
        const loaded = asset(readFileSync(version === WIDGET_VERSION ? `${dir}/${name}` : `${releasesDir}/${version}/${name}`), type)
        cache.set(key, loaded)
        return loaded
      } catch {
        return null
      }
    },
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}
