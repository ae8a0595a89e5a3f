/**
 * A small documentation site on 127.0.0.1 for crawling tests: HTML pages with headings that have
 * ids and links between them, a PDF, a robots.txt that disallows one directory, a sitemap and a
 * sitemap index, and the pages a real site has that cannot be read (a 404 link, a 500, an
 * oversized page, an image, a redirect to the cloud metadata address). Pages can be changed,
 * deleted and held back (`hold`) while a test runs, and every request is logged.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Page = { body: string | Uint8Array; type?: string; status?: number; headers?: Record<string, string> }

export type DocsSite = {
  url: string
  /** The site's pages by path; tests change them at will. */
  pages: Map<string, Page>
  /** Paths requested, in order. */
  requests: string[]
  /** Holds requests for `path` until the returned release is called. */
  hold(path: string): () => void
  close(): Promise<void>
}

const html = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`

/** The pages every test starts from; `oversizeBytes` makes /docs/big.html that large. */
export function docsPages(oversizeBytes: number): Map<string, Page> {
  const pdf = readFileSync(new URL('../knowledge/fixtures/opening-hours.pdf', import.meta.url))
  return new Map<string, Page>([
    ['/robots.txt', { body: 'User-agent: *\nDisallow: /docs/private/\n', type: 'text/plain' }],
    [
      '/docs/index.html',
      {
        body: html(
          'Porch docs',
          `<h1>Porch docs</h1><p>Welcome to the lighthouse handbook of Porch.</p>
           <ul>
             <li><a href="guide.html">Guide</a></li><li><a href="faq.html#top">FAQ</a></li>
             <li><a href="manual.pdf">Manual</a></li><li><a href="missing.html">Missing</a></li>
             <li><a href="broken.html">Broken</a></li><li><a href="big.html">Big</a></li>
             <li><a href="logo.png">Logo</a></li><li><a href="private/secret.html">Secret</a></li>
             <li><a href="metadata">Cloud</a></li><li><a href="/outside.html">Outside</a></li>
             <li><a href="https://example.com/elsewhere">Elsewhere</a></li>
           </ul>`,
        ),
        type: 'text/html; charset=utf-8',
      },
    ],
    [
      '/docs/guide.html',
      {
        body: html(
          'Guide',
          `<h1>Guide</h1><h2 id="install">Install</h2><p>Install the marmalade connector with one command.</p>
           <h2 id="configure">Configure</h2><p>Configure the zeppelin setting before the first start.</p>`,
        ),
        type: 'text/html',
      },
    ],
    [
      '/docs/faq.html',
      { body: html('FAQ', '<h1 id="top">FAQ</h1><h2 id="refunds">Refunds</h2><p>Refunds arrive within a fortnight of the request.</p>'), type: 'text/html' },
    ],
    ['/docs/manual.pdf', { body: pdf, type: 'application/pdf' }],
    ['/docs/broken.html', { body: 'oops', type: 'text/plain', status: 500 }],
    ['/docs/big.html', { body: html('Big', `<p>${'word '.repeat(Math.ceil(oversizeBytes / 5))}</p>`), type: 'text/html' }],
    ['/docs/logo.png', { body: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), type: 'image/png' }],
    ['/docs/private/secret.html', { body: html('Secret', '<p>The vault combination is hidden.</p>'), type: 'text/html' }],
    ['/docs/metadata', { body: '', status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }],
    ['/outside.html', { body: html('Outside', '<p>The outside page about quasars.</p>'), type: 'text/html' }],
    [
      '/sitemap.xml',
      {
        body: `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <url><loc>{origin}/docs/guide.html</loc></url><url><loc>{origin}/docs/faq.html</loc></url></urlset>`,
        type: 'application/xml',
      },
    ],
    [
      '/sitemap-2.xml',
      {
        body: `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <url><loc>{origin}/outside.html</loc></url></urlset>`,
        type: 'application/xml',
      },
    ],
    [
      '/sitemap-index.xml',
      {
        body: `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <sitemap><loc>{origin}/sitemap.xml</loc></sitemap><sitemap><loc>{origin}/sitemap-2.xml</loc></sitemap></sitemapindex>`,
        type: 'application/xml',
      },
    ],
  ])
}

/** Serves `pages` on 127.0.0.1 (`{origin}` in a body becomes the site's origin). */
export async function startDocsSite({ oversizeBytes = 256 * 1024 }: { oversizeBytes?: number } = {}): Promise<DocsSite> {
  const pages = docsPages(oversizeBytes)
  const requests: string[] = []
  const held = new Map<string, Promise<void>>()
  let origin = ''
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://site').pathname
    requests.push(path)
    await held.get(path)
    const page = pages.get(path)
    if (!page) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const body = typeof page.body === 'string' ? page.body.replaceAll('{origin}', origin) : page.body
    response.writeHead(page.status ?? 200, { ...(page.type && { 'content-type': page.type }), ...page.headers }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: origin,
    pages,
    requests,
    hold(path) {
      let release!: () => void
      held.set(
        path,
        new Promise<void>((resolve) => {
          release = resolve
        }),
      )
      return () => {
        held.delete(path)
        release()
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
