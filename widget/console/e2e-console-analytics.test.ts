/**
 * The agent's Analytics tab in Chromium against a real host: real chats counted per day, per
 * source and per tool, drawn as a chart (uPlot) whose colors follow light and dark, with the
 * numbers in tables for screen readers.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import type { Agent } from '../../shared/index.ts'
import { launchBrowser } from '../testing/browser.ts'
import { startPorch } from '../testing/e2e.ts'
import { screenshot, signIn } from './e2e-helpers.ts'

let browser: Browser
let host: TestHost
let agent: Agent

beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
  agent = await host.owner.publishedAgent(
    { name: 'Counted agent', model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] },
    { api_response_mode: 'non_streaming' },
  )
  for (const [request, session_id] of [
    ['What time is it?', 'a'],
    ['hello', 'a'],
    ['hi', 'b'],
  ]) {
    const reply = await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request, session_id })
    expect((await reply.json()).success).toBe(true)
  }
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

const rows = (page: Page, table: string) =>
  page
    .getByRole('region', { name: table })
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())))

async function openAnalytics(colorScheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  await signIn(page, `${host.url}/console/`)
  await page.getByRole('link', { name: 'Counted agent' }).click()
  await page.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Analytics' }).click()
  await page.getByRole('region', { name: 'Per day (UTC)' }).waitFor()
  return page
}

/** The stroke of the chart's first series (runs), as its legend marker shows it. */
const runsColor = (page: Page) =>
  page
    .locator('.analytics-chart .u-series')
    .nth(1)
    .locator('.u-marker')
    .evaluate((el) => getComputedStyle(el).borderColor)

describe('the Analytics tab', () => {
  it('counts the chats per day, source and tool, as a chart and as tables', async () => {
    const page = await openAnalytics('light')
    expect(new URL(page.url()).pathname).toBe(`/console/agents/${agent.id}/analytics`)
    const today = new Date().toISOString().slice(0, 10)
    expect((await rows(page, 'Per day (UTC)')).map((r) => r.slice(0, 4))).toEqual([[today, '2', '3', '0']])
    expect((await rows(page, 'Per source')).map((r) => r.slice(0, 3))).toEqual([['public', '2', '3']])
    expect((await rows(page, 'Per version')).map((r) => r.slice(0, 3))).toEqual([['Version 1', '2', '3']])
    expect(await rows(page, 'Most used tools')).toEqual([['current_time', '1', '0']])
    await expect.poll(() => page.locator('.analytics-chart canvas').count()).toBe(1)
    expect(await page.locator('.analytics-chart').getAttribute('aria-hidden')).toBe('true')
    expect(await runsColor(page)).toBe('rgb(31, 79, 191)')
    await screenshot(page, 'console-analytics-light')
    await page.context().close()
  })

  it('draws in the dark scheme’s colors', async () => {
    const page = await openAnalytics('dark')
    await expect.poll(() => page.locator('.analytics-chart canvas').count()).toBe(1)
    expect(await runsColor(page)).toBe('rgb(138, 180, 255)')
    expect(await page.locator('porch-console').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(22, 24, 28)')
    await screenshot(page, 'console-analytics-dark')
    await page.context().close()
  })
})
