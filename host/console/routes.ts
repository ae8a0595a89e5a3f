/**
 * The console's pages: the HTML shell of the single-page app (every path under /console), its
 * built files from dist/console, and the widget preview page the console frames. None of them
 * runs inline script; the CSP says so.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type Context, Hono } from 'hono'
import { PreviewQuerySchema } from '../../shared/console.ts'
import { ApiError } from '../http/errors.ts'
import { check } from '../http/validate.ts'
import { packageRoot } from '../package-root.ts'
import type { WidgetAssets } from '../widget-assets.ts'

export type ConsoleRoutesDeps = {
  assets: WidgetAssets
  /** Where the built console lives (default: dist/console). */
  dir?: string
}

const DEFAULT_DIR = `${packageRoot}dist/console`

/** The console's policy. Styles may be inline: Lit and the embed launcher draw their own. */
export function consoleCsp(frameAncestors: "'none'" | "'self'"): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "frame-src 'self'",
    `frame-ancestors ${frameAncestors}`,
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ')
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>Porch console</title>
<script type="module" src="/console/assets/console.js"></script>
</head>
<body>
<porch-console></porch-console>
<noscript>The Porch console needs JavaScript.</noscript>
</body>
</html>
`

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
}
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(js|css|map|svg|png|woff2)$/

function sendPage(c: Context, html: string, frameAncestors: "'none'" | "'self'") {
  c.header('Content-Security-Policy', consoleCsp(frameAncestors))
  c.header('Cache-Control', 'no-store')
  c.header('Referrer-Policy', 'no-referrer')
  c.header('X-Content-Type-Options', 'nosniff')
  return c.html(html, 200)
}

/** The preview page: the embed script exactly as the script snippet has it, on an empty page. */
function previewPage(assets: WidgetAssets, query: ReturnType<typeof PreviewQuerySchema.parse>): string {
  const integrity = assets.get('embed.js')?.integrity
  const data: [string, string | undefined][] = [
    ['agent', query.agent],
    ['link', query.link],
    ['mode', query.mode],
    ['position', query.position],
    ['color', query.color],
    ['title', query.title],
    ['theme', query.theme],
    ['lang', query.lang],
    ['open', query.open],
  ]
  const attributes = data
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`)
    .join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Widget preview</title>
</head>
<body>
<main><h1>Your site</h1><p>This page shows the chat as your visitors will see it.</p></main>
<script src="/widget/${assets.version}/embed.js"${integrity ? ` integrity="${integrity}"` : ''} crossorigin="anonymous"${attributes} async></script>
</body>
</html>
`
}

export function consoleRoutes({ assets, dir = DEFAULT_DIR }: ConsoleRoutesDeps) {
  const shell = (c: Context) => sendPage(c, SHELL, "'none'")

  return new Hono()
    .get('/console/assets/:file', (c) => {
      const name = c.req.param('file')
      if (!ASSET_NAME.test(name)) throw new ApiError(404, 'not_found', 'No such console file.')
      let body: Buffer
      try {
        body = readFileSync(`${dir}/${name}`)
      } catch {
        throw new ApiError(404, 'not_found', name === 'console.js' ? 'The console is not built: run `npm run build`.' : 'No such console file.')
      }
      // The names carry no content hash, so browsers revalidate every time (cheap, with the ETag).
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
      c.header('Content-Type', CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)]!)
      c.header('Cache-Control', 'no-cache')
      c.header('ETag', etag)
      c.header('X-Content-Type-Options', 'nosniff')
      if (c.req.header('if-none-match') === etag) return c.body(null, 304)
      return c.body(new Uint8Array(body), 200)
    })
    .get('/console/preview', (c) => {
      const queries = c.req.queries()
      const repeated = Object.entries(queries).find(([, values]) => values.length > 1)
      if (repeated) throw new ApiError(400, 'invalid_request', `${repeated[0]}: give it once`)
      const query = check(PreviewQuerySchema, c.req.query())
      return sendPage(c, previewPage(assets, query), "'self'")
    })
    .get('/console', shell)
    .get('/console/*', shell)
}
