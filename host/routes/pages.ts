/**
 * What browsers load: the widget files, and the hosted chat pages that iframes and share
 * links open. The pages run no inline script and load only this host's files (their CSP
 * says so); `frame-ancestors` decides who may frame them.
 */
import { type Context, Hono } from 'hono'
import { sha256Hex } from '../auth/secrets.ts'
import { ApiError } from '../http/errors.ts'
import type { Store } from '../store/store.ts'
import type { WidgetAssets } from '../widget-assets.ts'
import { LINK_TOKEN_PATTERN } from './links.ts'

export type PagesDeps = { store: Store; assets: WidgetAssets }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)

/** The hosted pages' policy: scripts and styles from this host only, no plugins, no inline code. */
export function pageCsp(frameAncestors: string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(' ') : '*'}`,
  ].join('; ')
}

/**
 * `info`: the visitor API path of the agent's info, when the widget will fetch it as it opens
 * (no password asked first): preloaded with the page, so it is not a third round trip after the
 * page and its script (BENCHMARKS.md#phone: ~150 ms of a phone's 1.1 s to open the iframe).
 */
function chatPage(assets: WidgetAssets, title: string, attributes: string, info: string | null): string {
  const base = `/widget/${assets.version}`
  const preload = info === null ? '' : `\n<link rel="preload" href="${escapeHtml(info)}" as="fetch" crossorigin="anonymous">`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${base}/page.css">
<script type="module" src="${base}/porch-chat.js"></script>${preload}
</head>
<body>
<porch-chat mode="page" ${attributes}></porch-chat>
</body>
</html>
`
}

function sendPage(c: Context, html: string, status: 200 | 404 | 410, frameAncestors: string[]) {
  c.header('Content-Security-Policy', pageCsp(frameAncestors))
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Referrer-Policy', 'no-referrer')
  c.header('Cache-Control', 'no-store')
  return c.html(html, status)
}

export function pageRoutes({ store, assets }: PagesDeps) {
  const serveAsset = (c: Context, name: string, cacheControl: string, version = assets.version) => {
    const file = assets.get(name, version)
    if (!file)
      throw new ApiError(
        404,
        'not_found',
        name.endsWith('.js') && !assets.get('embed.js') ? 'The widget is not built: run `npm run build`.' : `No widget file ${name}`,
      )
    c.header('Content-Type', file.contentType)
    c.header('Cache-Control', cacheControl)
    c.header('ETag', file.etag)
    c.header('Access-Control-Allow-Origin', '*')
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    c.header('X-Content-Type-Options', 'nosniff')
    if (c.req.header('if-none-match') === file.etag) return c.body(null, 304)
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200)
  }

  return new Hono()
    .get('/widget/:version/:file', (c) => {
      // Every version ever handed out, not just the current one: pasted snippets pin theirs.
      const version = c.req.param('version')
      if (!assets.versions().includes(version))
        throw new ApiError(404, 'not_found', `Unknown widget version: this host serves ${assets.versions().join(', ')}.`)
      return serveAsset(c, c.req.param('file'), 'public, max-age=31536000, immutable', version)
    })
    .get('/embed.js', (c) => serveAsset(c, 'embed.js', 'public, max-age=300'))
    .get('/published/:agentId', async (c) => {
      const id = c.req.param('agentId')
      const published = UUID.test(id) ? await store.getPublishedAgent(id) : null
      if (published?.agent.access !== 'public') {
        return sendPage(c, notFoundPage('This chat is not available.'), 404, [])
      }
      const info = (await requiresIdentity(store, id)) ? null : `/api/v1/published/${id}`
      return sendPage(c, chatPage(assets, published.version.name, `agent="${id}"`, info), 200, published.agent.allowedOrigins)
    })
    .get('/l/:token', async (c) => {
      const token = c.req.param('token')
      const link = LINK_TOKEN_PATTERN.test(token) ? await store.getLinkByTokenHash(sha256Hex(token)) : null
      const published = link?.enabled ? await store.getPublishedAgent(link.agentId) : null
      if (!link || !published) return sendPage(c, notFoundPage('This link is not valid.'), 404, [])
      if (link.expiresAt !== null && Date.parse(link.expiresAt) <= Date.now()) return sendPage(c, notFoundPage('This link has expired.'), 410, [])
      const ancestors = link.allowedOrigins.length > 0 ? link.allowedOrigins : published.agent.allowedOrigins
      const info = link.passwordHash !== null || (await requiresIdentity(store, link.agentId)) ? null : `/api/v1/links/${token}`
      return sendPage(c, chatPage(assets, published.version.name, `link="${token}"`, info), 200, ancestors)
    })
}

/** A widget asked for a user token sends it with its info request, which a preload (no header) would not match. */
async function requiresIdentity(store: Store, agentId: string): Promise<boolean> {
  return (await store.getAgentIdentity(agentId))?.requireIdentity === true
}

function notFoundPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not found</title></head><body><p>${escapeHtml(message)}</p></body></html>\n`
}
