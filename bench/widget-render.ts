/**
 * Budget: rendering a streamed answer costs work linear in its length (incremental markdown,
 * never a re-render of the whole message per token). The real widget, in the hosted chat page of
 * a real host, in Chromium (playwright-core); the model (bench/model-server.ts) streams answers
 * of N, 2N, 4N and 8N markdown tokens at a steady pace. The page's main-thread work while the
 * answer streams in (Chrome's TaskDuration, with script, layout and style recalc) is measured
 * per answer, the median of `repeats` fresh pages; linear work means each doubling of the length
 * about doubles it.
 */
import type { Browser, CDPSession } from 'playwright-core'
import { launchBrowser } from '../widget/testing/browser.ts'
import { say, waitForAnswer } from '../widget/testing/e2e.ts'
import { publishAgent, startBenchHost } from './child-host.ts'
import { startModelServer } from './model-server.ts'
import { median, round } from './stats.ts'

/**
 * `ratioToPrevious`: this answer's work over the previous (half as long) one's; 2 when linear,
 * less with a fixed cost per answer, 4 when quadratic. `marginalMsPerThousand`: the work the
 * added tokens cost, per thousand; flat when linear, doubling per step when quadratic.
 */
export type RenderRow = {
  tokens: number
  taskMs: number
  scriptMs: number
  layoutMs: number
  styleMs: number
  ratioToPrevious: number | null
  marginalMsPerThousand: number | null
}

const METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration'] as const

export async function widgetRender({ baseTokens = 1_000, steps = 4, repeats = 3, tokensPerMs = 4 } = {}): Promise<RenderRow[]> {
  const model = await startModelServer()
  const host = await startBenchHost({ env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'bench' } })
  let browser: Browser | undefined
  try {
    const agentId = await publishAgent(host.url, 'openai:bench', 'streaming')
    browser = await launchBrowser()
    const rows: RenderRow[] = []
    for (let step = 0; step < steps; step++) {
      const tokens = baseTokens * 2 ** step
      const runs: Record<(typeof METRICS)[number], number>[] = []
      for (let r = 0; r < repeats; r++) runs.push(await renderOnce(browser, `${host.url}/published/${agentId}`, tokens, tokensPerMs))
      const pick = (name: (typeof METRICS)[number]) => round(median(runs.map((run) => run[name])), 1)
      const taskMs = pick('TaskDuration')
      const previous = rows.at(-1)
      rows.push({
        tokens,
        taskMs,
        scriptMs: pick('ScriptDuration'),
        layoutMs: pick('LayoutDuration'),
        styleMs: pick('RecalcStyleDuration'),
        ratioToPrevious: previous ? round(taskMs / previous.taskMs) : null,
        marginalMsPerThousand: previous ? round(((taskMs - previous.taskMs) / (tokens - previous.tokens)) * 1000, 1) : null,
      })
    }
    return rows
  } finally {
    await browser?.close()
    await host.stop()
    await model.close()
  }
}

async function renderOnce(browser: Browser, url: string, tokens: number, tokensPerMs: number) {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(url)
    await page.locator('porch-chat textarea').waitFor()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const before = await metrics(cdp)
    await say(page, `tokens=${tokens} pace=${tokensPerMs}`)
    const [, answer] = await waitForAnswer(page)
    // One more frame, so the last batched markdown flush is counted too.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))))
    const after = await metrics(cdp)
    if (answer?.state !== 'done') throw new Error(`the answer ended as ${answer?.state}`)
    return Object.fromEntries(METRICS.map((name) => [name, ((after[name] ?? 0) - (before[name] ?? 0)) * 1000])) as Record<(typeof METRICS)[number], number>
  } finally {
    await context.close()
  }
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]))
}
