/**
 * The examples of examples/, served by `npm start` on a second port: a different origin from
 * the Porch host, so what they show is real cross-origin embedding, as on a customer's site.
 */

import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { Hono } from 'hono'
import { packageRoot as root } from './package-root.ts'
import { embedSnippets } from './routes/owner/snippets.ts'
import type { WidgetAssets } from './widget-assets.ts'

export type ExamplesServer = { url: string; port: number; close(): Promise<void> }

export type ExamplesOptions = { port: number; hostname: string; porchUrl: string; agentId: string; assets: WidgetAssets }

const PAGES: Record<string, string> = {
  '/script-tag.html': 'examples/script-tag.html',
  '/iframe.html': 'examples/iframe.html',
  '/inline.html': 'examples/inline.html',
  '/react/': 'examples/react/index.html',
}

const escapeHtml = (value: string) => value.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!)

export async function startExamplesServer(options: ExamplesOptions): Promise<ExamplesServer> {
  const snippets = embedSnippets(options.porchUrl, options.assets, { agent: options.agentId })
  const fill = (template: string) =>
    template
      .replaceAll('{{SNIPPET_TEXT}}', escapeHtml(snippets.script))
      .replaceAll('{{SNIPPET}}', snippets.script)
      .replaceAll('{{IFRAME}}', snippets.iframe)
      .replaceAll('{{PORCH_URL}}', options.porchUrl)
      .replaceAll('{{VERSION}}', options.assets.version)
      .replaceAll('{{AGENT_ID}}', options.agentId)

  const app = new Hono()
  app.get('/', (c) =>
    c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Porch examples</title><link rel="stylesheet" href="/example.css"></head><body><main>
<h1>Porch examples</h1><p>Each page is served from this origin and embeds the agent from ${escapeHtml(options.porchUrl)}.</p><ul>
<li><a href="/script-tag.html">Chat bubble from one script tag</a></li>
<li><a href="/iframe.html">Iframe</a></li>
<li><a href="/inline.html">Inline element</a></li>
<li><a href="/react/">React app</a></li></ul></main></body></html>`),
  )
  app.get('/example.css', (c) => c.body(readFileSync(`${root}examples/example.css`), 200, { 'content-type': 'text/css; charset=utf-8' }))
  app.get('/react/app.js', (c) => c.body(readFileSync(`${root}dist/examples/react-app.js`), 200, { 'content-type': 'text/javascript; charset=utf-8' }))
  for (const [path, file] of Object.entries(PAGES)) app.get(path, (c) => c.html(fill(readFileSync(`${root}${file}`, 'utf8'))))

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname }, () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
