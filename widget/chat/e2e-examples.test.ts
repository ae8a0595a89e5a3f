/** The examples `npm start` serves, each from another origin than the host, work in Chromium. */
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ExamplesServer, startExamplesServer } from '../../host/examples-server.ts'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser } from '../testing/browser.ts'
import { say, startPorch, waitForAnswer } from '../testing/e2e.ts'

let browser: Browser
let host: TestHost
let examples: ExamplesServer
let context: BrowserContext
let base = ''
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
  const agent = await host.owner.publishedAgent({ model: 'demo:instant', welcome_message: 'Example hello' })
  examples = await startExamplesServer({ port: 0, hostname: '127.0.0.1', porchUrl: host.url, agentId: agent.id, assets: host.assets })
  base = `http://127.0.0.1:${examples.port}`
  context = await browser.newContext()
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  )
})
afterAll(async () => {
  await context?.close()
  await browser?.close()
  await examples?.close()
  await host?.stop()
})

it('lists every example', async () => {
  const page = await context.newPage()
  await page.goto(`${base}/`)
  const links = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
  expect(links).toEqual(['/script-tag.html', '/iframe.html', '/inline.html', '/react/'])
})

it('script tag: the bubble opens and answers', async () => {
  const page = await context.newPage()
  await page.goto(`${base}/script-tag.html`)
  expect(await page.locator('#snippet').textContent()).toContain('integrity="sha384-')
  await page.locator('[data-porch-embed] button').click()
  await page.getByText('Example hello').waitFor()
  await say(page, 'from the script tag example')
  expect((await waitForAnswer(page))[1]!.state).toBe('done')
})

it('iframe: the hosted page loads inside', async () => {
  const page = await context.newPage()
  await page.goto(`${base}/iframe.html`)
  await page.frameLocator('iframe').getByText('Example hello').waitFor()
})

it('inline element: fills its box and answers', async () => {
  const page = await context.newPage()
  await page.goto(`${base}/inline.html`)
  await page.getByText('Example hello').waitFor()
  const box = await page.locator('porch-chat').boundingBox()
  expect(box!.height).toBeGreaterThan(500)
  await say(page, 'from the inline example')
  expect((await waitForAnswer(page))[1]!.text).toContain('> from the inline example')
})

it('React: renders the element and hears its events', async () => {
  const page = await context.newPage()
  await page.goto(`${base}/react/`)
  await page.getByText('Example hello').waitFor()
  await say(page, 'from the React example')
  await waitForAnswer(page)
  await page.getByText('Answers so far: 1').waitFor()
})
