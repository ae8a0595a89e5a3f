/**
 * The useChat example in real Chromium, on another origin than the host: an unmodified
 * `useChat` with the AI SDK's `DefaultChatTransport` sends, streams, shows tool calls and files,
 * stops, resumes after a reload, and shows a spent link quota as its error. The same page runs
 * on the newest SDK (ai 6, @ai-sdk/react 3) and on the oldest release of the 5 line (ai 5.0.0,
 * @ai-sdk/react 2.0.0, npm aliases in devDependencies), so the endpoint keeps both working.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../host/testing/fake-providers.ts'
import type { TestHost } from '../../host/testing/harness.ts'
import { type BundleAliases, bundleForBrowser, launchBrowser, type OpenedPage, openPage } from '../../widget/testing/browser.ts'
import { startPorch } from '../../widget/testing/e2e.ts'

let browser: Browser
let host: TestHost
let model: FakeProvider
let release: () => void = () => {}
let held: Promise<void> = Promise.resolve()
const hold = () => {
  held = new Promise<void>((resolve) => (release = resolve))
}
const pages: OpenedPage[] = []

beforeAll(async () => {
  model = await startFakeOpenAI(() => ({ text: ['Hello', ' world', '!'], hold: { afterChunks: 1, until: held } }))
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test', PORCH_RESUME_GRACE_MS: '60000' })])
})
afterAll(async () => {
  for (const opened of pages) await opened.close()
  await browser?.close()
  await host?.stop()
  await model?.close()
})

const APP = 'examples/use-chat/app.ts'

const sdks: { name: string; packages: string[]; aliases: BundleAliases }[] = [
  { name: 'ai 6, @ai-sdk/react 3', packages: ['@ai-sdk/react', 'ai'], aliases: {} },
  { name: 'ai 5.0.0, @ai-sdk/react 2.0.0', packages: ['ai-react-v2', 'ai-v5'], aliases: { '@ai-sdk/react': 'ai-react-v2', ai: 'ai-v5' } },
]

async function chatPage(api: string, aliases: BundleAliases): Promise<OpenedPage> {
  const opened = await openPage(browser, { html: `<div id="root" data-api="${host.url}${api}"></div>`, modules: [APP], aliases })
  pages.push(opened)
  await opened.page.locator('#status').waitFor()
  return opened
}

async function say({ page }: OpenedPage, text: string) {
  await page.locator('#input').fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
}

const lastAnswer = ({ page }: OpenedPage) => page.locator('li[data-role="assistant"]').last()

describe.each(sdks)('useChat on $name against Porch, in Chromium', ({ packages, aliases }) => {
  it('bundles the page with that SDK and no other', async () => {
    // vite marks each module it inlines with a `// path` comment: these name the SDK packages in the bundle.
    const code = await bundleForBrowser(APP, aliases)
    const bundled = new Set([...code.matchAll(/^\/\/ .*node_modules\/(ai|ai-v5|@ai-sdk\/react|ai-react-v2)\/dist\//gm)].map((match) => match[1]))
    expect([...bundled].sort()).toEqual(packages)
  })

  it('sends, streams the answer and shows the tool call and its file', async () => {
    const agent = await host.owner.publishedAgent({
      model: 'demo:instant',
      tools: [
        { type: 'builtin', name: 'current_time' },
        { type: 'builtin', name: 'create_file' },
      ],
    })
    const opened = await chatPage(`/api/v1/published/${agent.id}/ui-chat`, aliases)
    await say(opened, 'What time is it?')
    await lastAnswer(opened).locator('.tool').getByText('current_time: output-available').waitFor()
    await expect.poll(() => lastAnswer(opened).locator('.text').allTextContents()).toContainEqual(expect.stringContaining('current_time'))
    await opened.page.locator('#status').getByText('ready').waitFor()

    await say(opened, 'Make me a CSV file')
    const file = lastAnswer(opened).locator('a.file')
    await file.waitFor()
    const href = await file.getAttribute('href')
    expect(href?.startsWith(`${host.publicUrl}/api/v1/published/${agent.id}/sessions/`)).toBe(true)
    expect((await fetch(href!)).status).toBe(200)
    expect(await opened.page.locator('li[data-role="user"]').count()).toBe(2)
    expect(opened.errors).toEqual([])
  })

  it('stops a running answer: the stream ends and the run is cancelled on the host', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-4o-mini' })
    const opened = await chatPage(`/api/v1/published/${agent.id}/ui-chat`, aliases)
    hold()
    await say(opened, 'Tell me slowly')
    await lastAnswer(opened).getByText('Hello').waitFor()
    await opened.page.locator('#stop').click()
    await opened.page.locator('#status').getByText('ready').waitFor()
    await expect.poll(async () => (await host.store.listTraces({ agentId: agent.id, limit: 5 })).map((trace) => trace.status)).toEqual(['cancelled'])
    release()
    expect(await lastAnswer(opened).textContent()).not.toContain('world')
  })

  it('resumes the running answer after a reload', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-4o-mini' })
    const opened = await chatPage(`/api/v1/published/${agent.id}/ui-chat`, aliases)
    hold()
    await say(opened, 'Tell me slowly')
    await lastAnswer(opened).getByText('Hello').waitFor()
    await opened.page.reload()
    // The same chat id (sessionStorage), resumed: the replay shows the start of the answer, then the rest follows.
    await lastAnswer(opened).getByText('Hello').waitFor()
    release()
    await lastAnswer(opened).getByText('Hello world!').waitFor()
    await opened.page.locator('#status').getByText('ready').waitFor()
    const traces = await host.store.listTraces({ agentId: agent.id, limit: 5 })
    expect(traces.map((trace) => trace.status)).toEqual(['success'])
  })

  it('shows a spent link quota as its error', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const link = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'One message', quota_total: 1 })
    const opened = await chatPage(`/api/v1/links/${link.body.token}/ui-chat`, aliases)
    await say(opened, 'Hello through the link')
    await lastAnswer(opened).locator('.text').first().waitFor()
    await opened.page.locator('#status').getByText('ready').waitFor()
    await say(opened, 'One more')
    await opened.page.locator('#error').getByText('This link has used all its messages.', { exact: false }).waitFor()
    expect(await opened.page.locator('#status').textContent()).toBe('error')
  })
})
