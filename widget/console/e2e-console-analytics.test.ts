/**
 * The agent's Analytics tab in Chromium against a real host: real chats and ratings counted per
 * day, per source, per tool and, across all agents, per agent, drawn as charts (uPlot) whose
 * colors follow light and dark, with the numbers in tables for screen readers.
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
  // Session a's first answer rated up, b's down: satisfaction 50 %.
  for (const [session, rating] of [
    ['a', 'up'],
    ['b', 'down'],
  ]) {
    const rated = await fetch(`${host.url}/api/v1/published/${agent.id}/sessions/${session}/messages/2/feedback`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating }),
    })
    expect(rated.status).toBe(200)
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
    .locator('.analytics-runs .u-series')
    .nth(1)
    .locator('.u-marker')
    .evaluate((el) => getComputedStyle(el).borderColor)

describe('the Analytics tab', () => {
  it('counts the chats per day, source and tool, as a chart and as tables', async () => {
    const page = await openAnalytics('light')
    expect(new URL(page.url()).pathname).toBe(`/console/agents/${agent.id}/analytics`)
    const today = new Date().toISOString().slice(0, 10)
    const [day] = await rows(page, 'Per day (UTC)')
    // Day, conversations, runs, errors, (tokens in, out), visitors, rated up, rated down, satisfaction, rate-limited.
    expect([...day!.slice(0, 4), ...day!.slice(6)]).toEqual([today, '2', '3', '0', '2', '1', '1', '50 %', '0'])
    expect(await page.locator('.analytics-totals').innerText()).toMatch(/Satisfaction\s+50 %/)
    expect((await rows(page, 'Per source')).map((r) => r.slice(0, 3))).toEqual([['public', '2', '3']])
    expect((await rows(page, 'Per version')).map((r) => r.slice(0, 3))).toEqual([['Version 1', '2', '3']])
    expect(await rows(page, 'Most used tools')).toEqual([['current_time', '1', '0']])
    await expect.poll(() => page.locator('.analytics-runs canvas').count()).toBe(1)
    await expect.poll(() => page.locator('.analytics-feedback canvas').count()).toBe(1)
    expect(await page.locator('.analytics-runs').getAttribute('aria-hidden')).toBe('true')
    expect(await page.locator('.analytics-feedback').getAttribute('aria-hidden')).toBe('true')
    expect(await runsColor(page)).toBe('rgb(31, 79, 191)')
    await screenshot(page, 'console-analytics-light')
    await page.context().close()
  })

  it('counts every agent in one view, with a table per agent', async () => {
    const quiet = await host.owner.publishedAgent({ name: 'Quiet agent', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    expect((await (await host.post(`/api/v1/published/${quiet.id}/chat/sync`, { request: 'hi', session_id: 'q' })).json()).success).toBe(true)
    const page = await openAnalytics('light')
    await page.getByLabel('Agents').selectOption('all')
    await page.getByRole('region', { name: 'Per agent' }).waitFor()
    const agents = (await rows(page, 'Per agent')).map((r) => r.slice(0, 3))
    expect(agents).toEqual(
      expect.arrayContaining([
        ['Counted agent', '2', '3'],
        ['Quiet agent', '1', '1'],
      ]),
    )
    // Most runs first.
    expect(agents[0]).toEqual(['Counted agent', '2', '3'])
    // The day adds both agents up: 2 + 1 conversations, 3 + 1 runs.
    expect((await rows(page, 'Per day (UTC)'))[0]!.slice(1, 3)).toEqual(['3', '4'])
    await page.context().close()
  })

  it('draws in the dark scheme’s colors', async () => {
    const page = await openAnalytics('dark')
    await expect.poll(() => page.locator('.analytics-chart canvas').count()).toBe(2)
    expect(await runsColor(page)).toBe('rgb(138, 180, 255)')
    expect(await page.locator('porch-console').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(22, 24, 28)')
    await screenshot(page, 'console-analytics-dark')
    await page.context().close()
  })
})
