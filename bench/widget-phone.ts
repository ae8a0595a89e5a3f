/**
 * The widget on a slow phone: what a visitor waits for, and whether the page stays responsive
 * while a long answer streams. A real host (bench/child-host.ts) on a model that streams a
 * 4,000-token markdown answer one token every `gapMs` (bench/model-server.ts, `gap=`); a page on
 * another origin with the script-tag embed, in its `inline` and its `iframe` mode; Chromium at a
 * phone's viewport (390 × 844), throttled through CDP: the CPU 4× slower
 * (`Emulation.setCPUThrottlingRate`) and a slow 4G network (`Network.emulateNetworkConditions`,
 * {@link SLOW_4G}). Each visit is a fresh browser context (empty cache, as a first visit).
 *
 * Measured per visit, in the page's own clock (`performance.timeOrigin + now()`, shared by the
 * page and its iframe):
 * - open: the click on the embed's launcher (clicked as soon as the page has loaded) to the
 *   chat's textarea being enabled and taking focus;
 * - first token: the Enter that sends to the first answer text in the DOM;
 * - long tasks (> 50 ms, PerformanceObserver `longtask`, buffered, in the page and the iframe)
 *   from Send to the end of the answer, and the renderer's main-thread busy time over the same
 *   span (CDP `Performance.getMetrics` TaskDuration).
 * The same visits without throttling run in the same process, so a loaded machine shows in both.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, CDPSession, Frame, Page } from 'playwright-core'
import { launchBrowser } from '../widget/testing/browser.ts'
import { BENCH_TOKEN, publishAgent, startBenchHost } from './child-host.ts'
import { startModelServer } from './model-server.ts'
import { median, round } from './stats.ts'

/** Chrome DevTools' "Slow 4G" preset: 150 ms RTT, 1.6 Mbps down, 750 kbps up (bytes per second here). */
export const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 }
export const CPU_SLOWDOWN = 4

export type PhoneMode = 'inline' | 'iframe'

export type PhoneVisit = {
  openMs: number
  firstTokenMs: number
  /** Long tasks from Send to the end of the answer. */
  longTasks: number
  longestTaskMs: number
  /** Main-thread task time from Send to the end of the answer. */
  busyMs: number
  /** The longest task from the click to a usable input (0 when none was over 50 ms). */
  longestOpenTaskMs: number
}

export type PhoneRow = { mode: PhoneMode; throttled: boolean; visits: number } & PhoneVisit

export async function widgetPhone({ tokens = 4_000, gapMs = 5, repeats = 3 } = {}): Promise<PhoneRow[]> {
  const model = await startModelServer()
  const host = await startBenchHost({ env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'bench' } })
  let browser: Browser | undefined
  const site = await startSite()
  try {
    const agentId = await publishAgent(host.url, 'openai:bench', 'streaming')
    const snippet = await embedScript(host.url, agentId)
    browser = await launchBrowser()
    const rows: PhoneRow[] = []
    for (const mode of ['inline', 'iframe'] as const) {
      for (const throttled of [true, false]) {
        site.html = page(snippet.replace(' async>', mode === 'iframe' ? ' data-mode="iframe" async>' : ' async>'))
        const visits: PhoneVisit[] = []
        for (let r = 0; r < repeats; r++) visits.push(await visit(browser, site.url, mode, throttled, `tokens=${tokens} gap=${gapMs}`, tokens))
        const pick = (key: keyof PhoneVisit) => round(median(visits.map((v) => v[key])), 1)
        rows.push({
          mode,
          throttled,
          visits: visits.length,
          openMs: pick('openMs'),
          firstTokenMs: pick('firstTokenMs'),
          longTasks: pick('longTasks'),
          longestTaskMs: pick('longestTaskMs'),
          busyMs: pick('busyMs'),
          longestOpenTaskMs: pick('longestOpenTaskMs'),
        })
      }
    }
    return rows
  } finally {
    await browser?.close()
    site.close()
    await host.stop()
    await model.close()
  }
}

/** The report's lines: each mode throttled, and its ratio to the same visits unthrottled. */
export function widgetPhoneLines(rows: PhoneRow[]): string[] {
  const lines: string[] = []
  for (const row of rows.filter((r) => r.throttled)) {
    const base = rows.find((r) => r.mode === row.mode && !r.throttled)
    const x = (key: keyof PhoneVisit) =>
      base && base[key] > 0 ? ` (×${round(row[key] / base[key], 1)} unthrottled ${base[key]})` : base ? ` (unthrottled ${base[key]})` : ''
    lines.push(
      `  ${row.mode}, CPU ×${CPU_SLOWDOWN} + slow 4G, median of ${row.visits}: click → usable input ${row.openMs} ms${x('openMs')}, longest task meanwhile ${row.longestOpenTaskMs} ms; ` +
        `Send → first token ${row.firstTokenMs} ms${x('firstTokenMs')}; while the answer streams: ${row.longTasks} long tasks${x('longTasks')}, longest ${row.longestTaskMs} ms${x('longestTaskMs')}, ` +
        `main thread busy ${row.busyMs} ms${x('busyMs')}`,
    )
  }
  return lines
}

const LONG_TASKS = `window.__porchLongTasks = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__porchLongTasks.push([performance.timeOrigin + e.startTime, e.duration])
}).observe({ type: 'longtask', buffered: true })
for (const [type, key] of [['click', '__porchClick'], ['keydown', '__porchSend']])
  addEventListener(type, (e) => { if (type === 'click' || e.key === 'Enter') window[key] = performance.timeOrigin + performance.now() }, true)`

async function visit(browser: Browser, url: string, mode: PhoneMode, throttled: boolean, prompt: string, tokens: number): Promise<PhoneVisit> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
  try {
    await context.route(
      (target) => target.hostname !== '127.0.0.1',
      (route) => route.abort('blockedbyclient'),
    )
    await context.addInitScript(LONG_TASKS)
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    if (throttled) {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
      await cdp.send('Network.enable')
      await cdp.send('Network.emulateNetworkConditions', SLOW_4G)
    }
    await page.goto(url, { waitUntil: 'load' })
    await page.locator('[data-porch-embed] button').click()
    const clickedAt = await page.evaluate(() => (window as unknown as { __porchClick: number }).__porchClick)
    const chat = mode === 'iframe' ? await chatFrame(page) : page.mainFrame()
    const usableAt = await chat
      .waitForFunction(
        () => {
          const root = document.querySelector('porch-chat')?.shadowRoot
          const input = root?.querySelector<HTMLTextAreaElement>('textarea[part="input"]')
          if (!input || input.disabled) return false
          input.focus()
          return root!.activeElement === input && performance.timeOrigin + performance.now()
        },
        null,
        { polling: 'raf', timeout: 120_000 },
      )
      .then((handle) => handle.jsonValue() as Promise<number>)
    const openTasks = await longTasks(page, clickedAt, usableAt)

    await chat.locator('porch-chat textarea[part="input"]').fill(prompt)
    const before = await taskSeconds(cdp)
    await chat.locator('porch-chat textarea[part="input"]').press('Enter')
    const firstTokenAt = await chat
      .waitForFunction(
        () =>
          (document.querySelector('porch-chat')?.shadowRoot?.querySelector('.message.assistant .md')?.textContent ?? '') !== '' &&
          performance.timeOrigin + performance.now(),
        null,
        {
          polling: 'raf',
          timeout: 120_000,
        },
      )
      .then((handle) => handle.jsonValue() as Promise<number>)
    const sentAt = await chat.evaluate(() => (window as unknown as { __porchSend: number }).__porchSend)
    await chat.waitForFunction(
      () => {
        const messages =
          (document.querySelector('porch-chat') as unknown as { chat?: { messages: { role: string; state: string }[] } } | null)?.chat?.messages ?? []
        return messages.at(-1)?.role === 'assistant' && messages.at(-1)?.state !== 'streaming'
      },
      null,
      { polling: 500, timeout: 600_000 },
    )
    // Two more frames, so the last markdown flush and its scroll are counted too.
    await chat.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve)))))
    const doneAt = await chat.evaluate(() => performance.timeOrigin + performance.now())
    const busyMs = ((await taskSeconds(cdp)) - before) * 1000
    const words = await chat.evaluate(
      () =>
        [...(document.querySelector('porch-chat')?.shadowRoot?.querySelectorAll('.message.assistant .md') ?? [])].at(-1)?.textContent?.split(/\s+/).length ?? 0,
    )
    // The answer's tokens are mostly single words: a short render would mean a broken visit.
    if (words < tokens * 0.8) throw new Error(`the answer rendered ${words} words of ${tokens} tokens`)
    const streamTasks = await longTasks(page, sentAt, doneAt)
    return {
      openMs: usableAt - clickedAt,
      firstTokenMs: firstTokenAt - sentAt,
      longTasks: streamTasks.length,
      longestTaskMs: Math.max(0, ...streamTasks),
      busyMs,
      longestOpenTaskMs: Math.max(0, ...openTasks),
    }
  } finally {
    await context.close()
  }
}

async function chatFrame(page: Page): Promise<Frame> {
  for (;;) {
    const frame = page.frames().find((f) => f.url().includes('/published/'))
    if (frame) {
      await frame.waitForLoadState('domcontentloaded')
      return frame
    }
    await page.waitForTimeout(5)
  }
}

/** Durations of the long tasks that started between `from` and `to`, seen by any frame (once each). */
async function longTasks(page: Page, from: number, to: number): Promise<number[]> {
  const seen = new Map<string, number>()
  for (const frame of page.frames()) {
    const entries = await frame.evaluate(() => (window as unknown as { __porchLongTasks?: [number, number][] }).__porchLongTasks ?? []).catch(() => [])
    for (const [start, duration] of entries) if (start >= from - 1 && start <= to) seen.set(`${Math.round(start)}:${Math.round(duration)}`, duration)
  }
  return [...seen.values()]
}

async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0
}

async function embedScript(hostUrl: string, agentId: string): Promise<string> {
  const response = await fetch(`${hostUrl}/api/v1/agents/${agentId}/embed`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } })
  if (!response.ok) throw new Error(`embed snippet → ${response.status}`)
  // The snippet names the host by the public URL (localhost); the browser harness allows 127.0.0.1 only.
  const { script, script_url } = (await response.json()) as { script: string; script_url: string }
  return script.replace(new URL(script_url).origin, hostUrl)
}

/** A shop's page on another origin than the host; the empty icon keeps Chromium from asking for /favicon.ico. */
const page = (snippet: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><title>A shop</title></head>` +
  `<body><h1>A shop</h1><p>${'Things to buy. '.repeat(40)}</p>${snippet}</body></html>`

async function startSite() {
  const site = { html: '', url: '', close: () => {} }
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(site.html)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  site.close = () => {
    server.closeAllConnections()
    server.close()
  }
  return site
}
