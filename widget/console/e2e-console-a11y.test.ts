/**
 * Accessibility of every console page, in Chromium against a real host: axe-core finds no
 * serious or critical violation, at desktop width and on a 375 px phone (where nothing may
 * overflow the page sideways). One screenshot per page and width goes to test-results/console/.
 */
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser } from '../testing/browser.ts'
import { startPorch } from '../testing/e2e.ts'
import { feedback, screenshot, signIn } from './e2e-helpers.ts'

const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url))

type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }

let browser: Browser
let host: TestHost
let agentId = ''
const SESSION_ID = 'a11y-session-1'

beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
  const agent = await host.owner.publishedAgent(
    {
      name: 'Accessible agent',
      description: 'For the axe checks',
      model: 'demo:instant',
      welcome_message: 'Hi there',
      starters: ['What time is it?'],
      tools: [{ type: 'builtin', name: 'current_time' }],
    },
    { description: 'First version' },
  )
  agentId = agent.id
  await host.owner.updateAgent(agentId, { instructions: 'Answer kindly.\nKeep it short.' }) // a pending draft change for the diff
  expect(
    (await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'Newsletter', password: 'letmein', expires_in_seconds: 86_400, quota_total: 100 }))
      .status,
  ).toBe(201)
  const knowledge = await host.owner.call('POST', `/agents/${agentId}/knowledge/sources`, {
    kind: 'text',
    title: 'Opening hours',
    text: '# Opening hours\n\nWe are open Monday to Friday, 9 to 17.',
  })
  expect(knowledge.status).toBeLessThan(300)
  const chat = await host.post(`/api/v1/published/${agentId}/chat`, { request: 'What time is it?', session_id: SESSION_ID })
  expect(chat.status).toBe(200)
  await chat.text()
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

/** Every serious or critical axe violation on the page, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResult
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`)
}

type ConsolePage = { name: string; path: () => string; ready: (page: Page) => Promise<unknown> }

const PAGES: ConsolePage[] = [
  { name: 'agents', path: () => '/console/', ready: (p) => p.getByRole('region', { name: 'Agents table' }).waitFor() },
  { name: 'new-agent', path: () => '/console/agents/new', ready: (p) => p.getByRole('button', { name: 'Create agent' }).waitFor() },
  { name: 'agent-edit', path: () => `/console/agents/${agentId}/edit`, ready: (p) => p.getByRole('button', { name: 'Save draft' }).waitFor() },
  {
    name: 'agent-try',
    path: () => `/console/agents/${agentId}/try`,
    ready: async (p) => {
      await p.getByRole('button', { name: 'What time is it?' }).click()
      await p.locator('.chat-log .msg.assistant[data-state="done"]').waitFor()
    },
  },
  {
    name: 'agent-knowledge',
    path: () => `/console/agents/${agentId}/knowledge`,
    ready: async (p) => {
      await p.getByRole('button', { name: 'Opening hours show chunks' }).click()
      await p.getByRole('list', { name: 'Chunks of “Opening hours”' }).waitFor()
      await p.getByLabel('Question or words').fill('open Monday')
      await p.getByRole('button', { name: 'Search', exact: true }).click()
      await p.getByRole('list', { name: 'Results for “open Monday”' }).waitFor()
    },
  },
  { name: 'agent-publish', path: () => `/console/agents/${agentId}/publish`, ready: (p) => p.getByRole('region', { name: 'Versions table' }).waitFor() },
  {
    name: 'agent-share',
    path: () => `/console/agents/${agentId}/share`,
    ready: async (p) => {
      await p.getByRole('button', { name: 'New URL for Newsletter' }).click()
      await p.getByRole('button', { name: 'Yes, new URL' }).click()
      await p.getByRole('img', { name: /QR code/ }).waitFor()
      await p.frameLocator('iframe.preview-frame').first().locator('[data-porch-embed]').waitFor({ state: 'attached' })
    },
  },
  {
    name: 'agent-api',
    path: () => `/console/agents/${agentId}/api`,
    ready: async (p) => {
      await p.getByLabel('Key name').fill('Server')
      await p.getByRole('button', { name: 'Create key' }).click()
      await feedback(p, 'Key created')
    },
  },
  { name: 'agent-files', path: () => `/console/agents/${agentId}/files`, ready: (p) => p.getByRole('region', { name: 'Storage table' }).waitFor() },
  { name: 'watch', path: () => `/console/watch?agent=${agentId}`, ready: (p) => p.getByRole('region', { name: 'Traces table' }).waitFor() },
  {
    name: 'session',
    path: () => `/console/watch/${agentId}/sessions/${SESSION_ID}?scope=public`,
    ready: (p) => p.getByRole('region', { name: 'Traces of this session' }).waitFor(),
  },
  {
    // The same page while a person holds the session: the message box, Send and Hand back, the Watch list of held sessions.
    name: 'session-taken-over',
    path: () => `/console/watch/${agentId}/sessions/${SESSION_ID}?scope=public`,
    ready: async (p) => {
      // Taken over at the first width; held already at the next.
      const takeOver = p.getByRole('button', { name: 'Take over' })
      await p.getByRole('heading', { name: 'Human takeover' }).waitFor()
      if ((await takeOver.count()) > 0) {
        await p.getByLabel('Name the visitor sees').fill('Anna')
        await takeOver.click()
      }
      await p.getByLabel('Message to the visitor').waitFor()
      await p.getByRole('button', { name: 'Hand back to agent' }).waitFor()
    },
  },
  { name: 'owner-keys', path: () => '/console/owner-keys', ready: (p) => p.getByRole('button', { name: 'Create owner key' }).waitFor() },
  { name: 'not-found', path: () => '/console/no-such-page', ready: (p) => p.getByRole('heading', { name: 'Page not found' }).waitFor() },
]

const WIDTHS = [
  { label: 'desktop', suffix: '', viewport: { width: 1280, height: 900 } },
  { label: '375 px phone', suffix: '-phone', viewport: { width: 375, height: 740 } },
]

describe.each(WIDTHS)('console pages at $label width', ({ suffix, viewport }) => {
  let context: BrowserContext
  let page: Page
  beforeAll(async () => {
    // axe is injected as a script tag, which the console's CSP (rightly) refuses.
    context = await browser.newContext({ viewport, bypassCSP: true, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 })
    page = await context.newPage()
  })
  afterAll(async () => {
    await context?.close()
  })

  it('sign-in has no serious or critical violations', async () => {
    await page.goto(`${host.url}/console/`)
    await page.getByLabel('Admin token or owner key').waitFor()
    await screenshot(page, `sign-in${suffix}`)
    expect(await seriousViolations(page)).toEqual([])
    await signIn(page, `${host.url}/console/`)
  })

  it.each(PAGES)('$name has no serious or critical violations', async ({ name, path, ready }) => {
    await page.goto(`${host.url}${path()}`)
    await ready(page)
    await page.locator('.feedback.busy').waitFor({ state: 'detached' })
    await screenshot(page, `${name}${suffix}`)
    expect(await seriousViolations(page)).toEqual([])
    // Nothing wider than the screen: wide tables scroll inside their own region.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width)
  })
})
