/**
 * Helpers for end-to-end tests of the widget: a real Porch host (serving the built widget),
 * visitor pages on another origin, and reads of what the chat shows. Every host and page is
 * on 127.0.0.1 (the browser harness blocks anything else).
 */
import type { Page } from 'playwright-core'
import { embedSnippets } from '../../host/routes/owner/snippets.ts'
import { startTestHost, type TestHost } from '../../host/testing/harness.ts'

export async function startPorch(env: Record<string, string> = {}): Promise<TestHost> {
  return startTestHost({ HOST: '127.0.0.1', ...env })
}

/** The script snippet an owner would paste, pointing at this test host. */
export function scriptSnippet(host: TestHost, target: { agent: string } | { link: string }, data = ''): string {
  const snippet = embedSnippets(host.url, host.assets, target).script
  return data ? snippet.replace(' async>', ` ${data} async>`) : snippet
}

/** A page body with an inline `<porch-chat>` talking to `chatHost`, loaded from the Porch host's widget files. */
export function inlineChatHtml(porch: TestHost, chatHost: string, agent: string): string {
  return `<div style="height:600px"><porch-chat mode="inline" host="${chatHost}" agent="${agent}"></porch-chat></div>
    <script type="module" src="${porch.url}/widget/${porch.assets.version}/porch-chat.js"></script>`
}

/** The chat element's transcript state, read from its controller. */
export async function transcript(page: Page, selector = 'porch-chat') {
  return page.evaluate((sel) => {
    const chat = document.querySelector(sel) as unknown as {
      chat: { messages: { role: string; state: string; parts: { type: string; text?: string }[] }[] }
    } | null
    return (chat?.chat.messages ?? []).map((m) => ({ role: m.role, state: m.state, text: m.parts.map((p) => p.text ?? '').join('') }))
  }, selector)
}

/** Waits until the last answer has finished (done, stopped or error) and returns the transcript. */
export async function waitForAnswer(page: Page, selector = 'porch-chat') {
  await page.waitForFunction((sel) => {
    const messages = (document.querySelector(sel) as unknown as { chat?: { messages: { role: string; state: string }[] } } | null)?.chat?.messages ?? []
    const last = messages.at(-1)
    return last?.role === 'assistant' && last.state !== 'streaming'
  }, selector)
  return transcript(page, selector)
}

/** Types a message into the chat and presses Enter. */
export async function say(page: Page, text: string, selector = 'porch-chat') {
  const input = page.locator(`${selector} textarea[part="input"]`)
  await input.fill(text)
  await input.press('Enter')
}
