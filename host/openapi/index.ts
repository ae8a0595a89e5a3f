/**
 * The OpenAPI document at `GET /openapi.json` (also `/api/v1/openapi.json`) and the API
 * reference at `GET /docs/api`: Swagger UI from the `swagger-ui-dist` package, served from this
 * host under the hosted pages' strict CSP (no CDN, no inline script or style).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Hono } from 'hono'
import { pageCsp } from '../routes/pages.ts'
import { buildDocument } from './document.ts'

export { buildDocument, ROUTES } from './document.ts'

/** Resolved on first use: a host without the package still starts, and only the reference page fails. */
const swaggerFile = (name: string) => join(dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')), name)

/** Starts Swagger UI on the document; a file of its own because the CSP allows no inline script. */
const REFERENCE_JS = `window.ui = SwaggerUIBundle({ url: new URL('../openapi.json', location.href).href, dom_id: '#api', deepLinking: true, presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout' })\n`

const REFERENCE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Porch API reference</title>
<link rel="stylesheet" href="api/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="api/swagger-ui-bundle.js"></script>
<script src="api/reference.js"></script>
</body>
</html>
`

const REFERENCE_FILES: Record<string, { type: string; read: () => string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', read: () => readFileSync(swaggerFile('swagger-ui.css'), 'utf8') },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', read: () => readFileSync(swaggerFile('swagger-ui-bundle.js'), 'utf8') },
  'reference.js': { type: 'text/javascript; charset=utf-8', read: () => REFERENCE_JS },
}

export function openApiRoutes() {
  let document: string | undefined
  const cached = new Map<string, string>()
  const serveDocument = () => (document ??= JSON.stringify(buildDocument()))
  const headers = { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': pageCsp(["'none'"]), 'Referrer-Policy': 'no-referrer' }
  const app = new Hono()
    .get('/openapi.json', (c) => c.body(serveDocument(), 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }))
    .get('/api/v1/openapi.json', (c) => c.body(serveDocument(), 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }))
    .get('/docs/api', (c) => c.html(REFERENCE_HTML, 200, headers))
  // One route per file (no `:file` parameter), so the document and the fuzzer know each.
  for (const [name, file] of Object.entries(REFERENCE_FILES))
    app.get(`/docs/api/${name}`, (c) => {
      if (!cached.has(name)) cached.set(name, file.read())
      return c.body(cached.get(name)!, 200, { ...headers, 'content-type': file.type, 'cache-control': 'public, max-age=300' })
    })
  return app
}
