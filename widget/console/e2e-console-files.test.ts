/**
 * The agent's Files tab in Chromium against a real host: the owner sees what the agent's files
 * take (attachments, uploads no message named, tools' files), today's attachments against the
 * daily budget, and the largest sessions, linked to their transcripts when they have one.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import type { Agent } from '../../shared/index.ts'
import { launchBrowser } from '../testing/browser.ts'
import { startPorch } from '../testing/e2e.ts'
import { feedback, screenshot, signIn } from './e2e-helpers.ts'

let browser: Browser
let host: TestHost
let context: BrowserContext
let page: Page
let agent: Agent

async function upload(session: string, text: string): Promise<string> {
  const response = await fetch(`${host.url}/api/v1/published/${agent.id}/sessions/${session}/attachments?filename=notes.txt`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: text,
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { file_id: string }).file_id
}

beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ PORCH_ATTACHMENT_AGENT_DAY_MB: '1', PORCH_UPLOAD_UNUSED_MINUTES: '45' })])
  agent = await host.owner.publishedAgent({ name: 'Filing agent', model: 'demo:instant', attachments: true }, { api_response_mode: 'non_streaming' })
  const named = await upload('chat-with-files', 'x'.repeat(3000))
  await upload('uploads-only', 'y'.repeat(1000))
  const reply = await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'Read this', session_id: 'chat-with-files', attachments: [named] })
  expect((await reply.json()).success).toBe(true)
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(10_000)
})
afterAll(async () => {
  await context?.close()
  await browser?.close()
  await host?.stop()
})

/** Each body row's cells as text (visually hidden text included, as a screen reader hears it). */
const rows = (table: string) =>
  page
    .getByRole('region', { name: table })
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())))

describe('the Files tab', () => {
  it('shows the agent’s storage, today’s attachments against the budget, and the largest sessions', async () => {
    await signIn(page, `${host.url}/console/`)
    await page.getByRole('link', { name: 'Filing agent' }).click()
    await page.getByRole('navigation', { name: 'Agent' }).getByRole('link', { name: 'Files' }).click()
    await page.getByRole('region', { name: 'Storage table' }).waitFor()
    expect(new URL(page.url()).pathname).toBe(`/console/agents/${agent.id}/files`)
    expect(await page.getByText('no message names within 45 minutes').count()).toBe(1)

    expect(await rows('Storage table')).toEqual([
      ['Attachments from visitors', '2', '3.9 KiB'],
      ['… of which no message names yet', '1', '1000 bytes'],
      ['Files from tools', '0', '0 bytes'],
      ['All files', '2', '3.9 KiB'],
    ])
    const meter = page.getByRole('meter', { name: /Received today/ })
    expect(await meter.getAttribute('value')).toBe('4000')
    expect(await meter.getAttribute('max')).toBe(String(1024 * 1024))
    expect(await page.getByText('3.9 KiB of 1 MiB').count()).toBe(1)

    expect(await rows('Largest sessions table')).toEqual([
      ['chat-with-files open transcript', 'Public embed', '1', '2.9 KiB'],
      ['uploads-only no messages', 'Public embed', '1', '1000 bytes'],
    ])
    await screenshot(page, 'agent-files')

    // New uploads show on Refresh; a session with messages opens its transcript.
    await upload('uploads-only', 'z'.repeat(2048))
    await page.getByRole('button', { name: 'Refresh' }).click()
    await feedback(page, 'File usage refreshed.')
    expect((await rows('Largest sessions table'))[0]).toEqual(['uploads-only no messages', 'Public embed', '2', '3 KiB'])
    await page.getByRole('link', { name: 'chat-with-files open transcript' }).click()
    await page.getByRole('region', { name: 'Traces of this session' }).waitFor()
  })
})
