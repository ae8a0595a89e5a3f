/**
 * The one harness for tests that need a real browser: Debian's Chromium driven by
 * playwright-core, pages served from a throwaway HTTP server on 127.0.0.1, and TypeScript
 * entries bundled by vite exactly as the widget build would.
 *
 * Pages are served (not `setContent`) so module scripts are real `<script src>` files and a
 * Content-Security-Policy can be sent with `headers`. Every request leaving 127.0.0.1 is
 * aborted, and every request a page makes is recorded, so a test can prove what was not loaded.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { build } from 'vite'

const CHROMIUM = '/usr/bin/chromium'
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Launches headless Chromium; never skips: a missing browser is a broken setup, not a pass. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error('Chromium is missing: run `apt-get install -y chromium` (.ci/run does this)')
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  })
}

const bundles = new Map<string, Promise<string>>()

/**
 * Package names to bundle as other packages, e.g. `{ ai: 'ai-v5' }` to build the same entry
 * against an npm alias of an older release. Applies to every import in the bundle, the
 * dependencies' own included, so one copy of each package ends up in it.
 */
export type BundleAliases = Record<string, string>

/** Bundles a TS entry (relative to the repo root, or absolute) into one ES module; cached per process. */
export function bundleForBrowser(entry: string, aliases: BundleAliases = {}): Promise<string> {
  const file = isAbsolute(entry) ? entry : resolve(REPO_ROOT, entry)
  const key = JSON.stringify([file, aliases])
  let bundle = bundles.get(key)
  if (!bundle) {
    bundle = viteBundle(file, aliases)
    bundles.set(key, bundle)
    bundle.catch(() => bundles.delete(key)) // a failed build is retried, not cached
  }
  return bundle
}

async function viteBundle(entry: string, aliases: BundleAliases): Promise<string> {
  const result = await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'error',
    publicDir: false,
    // Whole names only, so that `ai` catches `ai/rsc` but not `ai-v5`.
    resolve: { alias: Object.entries(aliases).map(([name, replacement]) => ({ find: new RegExp(`^${name.replaceAll('.', '\\.')}(?=/|$)`), replacement })) },
    // Dependencies may read process.env.NODE_ENV, which does not exist in a browser.
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      emptyOutDir: false,
      minify: false,
      lib: { entry, formats: ['es'], fileName: 'x' },
    },
  })
  const outputs = Array.isArray(result) ? result : [result]
  for (const output of outputs) {
    if (!('output' in output)) continue
    for (const file of output.output) {
      if (file.type === 'chunk' && file.isEntry) return file.code
    }
  }
  throw new Error(`vite produced no entry chunk for ${entry}`)
}

export type PageOptions = {
  /** Markup for the page's `<body>`. */
  html?: string
  /** Entry files to bundle and load, in order, as `<script type="module" src>`. */
  modules?: string[]
  /** Extra response headers for the page itself (e.g. a Content-Security-Policy). */
  headers?: Record<string, string>
  /** Packages the `modules` are bundled as (see {@link BundleAliases}). */
  aliases?: BundleAliases
}

export type OpenedPage = {
  page: Page
  /** The page's origin, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** Absolute URLs of the loaded `modules`, in the same order (see {@link exposeModule}). */
  moduleUrls: string[]
  /** Every URL the page requested, including the aborted ones. */
  requests: string[]
  /** Uncaught errors thrown in the page. */
  errors: string[]
  /** Closes the page's browser context and its server. */
  close(): Promise<void>
}

/**
 * Opens `html` with `modules` in a fresh browser context (so permissions and storage never leak
 * between tests), served by its own HTTP server that stops when the context closes.
 */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<OpenedPage> {
  const { html = '', modules = [], headers = {}, aliases = {} } = options
  const code = await Promise.all(modules.map((entry) => bundleForBrowser(entry, aliases)))
  const scripts = code.map((_, i) => `<script type="module" src="/modules/${i}.js"></script>`)
  // The empty icon keeps Chromium from requesting /favicon.ico.
  const document = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${scripts.join('')}</head><body>${html}</body></html>`

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    const module = /^\/modules\/(\d+)\.js$/.exec(path ?? '')
    const body = path === '/' ? document : module ? code[Number(module[1])] : undefined
    if (body === undefined) {
      response.writeHead(404).end()
      return
    }
    const type = path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8'
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...(path === '/' ? headers : {}) })
    response.end(body)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const stopServer = () => {
    server.closeAllConnections()
    server.close()
  }

  const context = await browser.newContext()
  context.on('close', stopServer)
  const requests: string[] = []
  const errors: string[] = []
  context.on('request', (request) => requests.push(request.url()))
  await context.route(
    (target) => target.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  )

  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(String(error)))
  try {
    await page.goto(`${url}/`)
  } catch (error) {
    await context.close()
    throw error
  }
  return {
    page,
    url,
    moduleUrls: code.map((_, i) => `${url}/modules/${i}.js`),
    requests,
    errors,
    close: () => context.close(),
  }
}

/**
 * Makes a loaded module's exports available as `globalThis[name]` for `page.evaluate`.
 * The import runs from a string because vitest rewrites `import()` inside test functions.
 */
export async function exposeModule(page: Page, moduleUrl: string, name: string): Promise<void> {
  await page.evaluate(`import(${JSON.stringify(moduleUrl)}).then((m) => { globalThis[${JSON.stringify(name)}] = m })`)
}
