/**
 * The API reference page in Chromium: /docs/api renders every operation of the document, with
 * its scripts and styles from this host only and nothing refused by the page's CSP.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { launchBrowser } from '../../widget/testing/browser.ts'
import { startTestHost, type TestHost } from '../testing/harness.ts'

let browser: Browser
let host: TestHost

beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startTestHost()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

it('renders every operation of the document from local files', async () => {
  const document = (await (await host.get('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> }
  const operations = Object.values(document.paths).reduce((count, item) => count + Object.keys(item).length, 0)

  const page = await browser.newPage()
  const requested: string[] = []
  const refused: string[] = []
  page.on('request', (request) => requested.push(request.url()))
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text())
  })
  const response = await page.goto(`${host.url}/docs/api`)
  expect(response?.status()).toBe(200)
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")

  const chat = page.locator('.opblock', { hasText: '/api/v1/published/{id}/chat/sync' }).first()
  await chat.waitFor()
  expect(await page.locator('.opblock').count()).toBe(operations)
  expect(await chat.locator('.opblock-summary-method').innerText()).toBe('POST')

  // Opening an operation shows its request body schema, taken from the shared ChatRequest.
  await chat.locator('.opblock-summary').click()
  await chat.locator('.opblock-body').getByText('request_id').first().waitFor()

  expect(refused).toEqual([])
  expect(requested.filter((url) => !url.startsWith(host.url))).toEqual([])
  expect(requested).toContain(`${host.url}/openapi.json`)
  await page.screenshot({ path: 'test-results/api-reference.png' })
  await page.close()
})
