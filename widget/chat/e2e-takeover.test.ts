/**
 * Human takeover in Chromium, end to end: a visitor chats in the widget on a page of another
 * origin; the owner, signed in to the console, opens the session, takes it over and writes; the
 * widget shows that a person joined and their message with their name; the visitor's reply
 * appears in the console as it is sent and starts no model run; the owner hands back, the widget
 * says the agent is back, and the next message gets a model answer whose prompt holds the
 * person's message. The model is a fake OpenAI-compatible server on 127.0.0.1.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../host/testing/fake-providers.ts'
import type { TestHost } from '../../host/testing/harness.ts'
import { signIn } from '../console/e2e-helpers.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { inlineChatHtml, say, startPorch, waitForAnswer } from '../testing/e2e.ts'

let browser: Browser
let host: TestHost
let model: FakeProvider
beforeAll(async () => {
  model = await startFakeOpenAI(() => ({ text: ['The agent ', 'answers.'] }))
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test', PORCH_HEARTBEAT_SECONDS: '1' })])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
  await model?.close()
})

it('lets the owner take a chat over in the console, talk to the visitor live, and hand it back to the agent', async () => {
  const agent = await host.owner.publishedAgent({ name: 'Support desk', model: 'openai:gpt-test' })
  const { page, close, errors } = await openPage(browser, { html: inlineChatHtml(host, host.url, agent.id) })
  const owner = await browser.newContext()
  try {
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(page, 'Hello, my parcel is lost')
    expect((await waitForAnswer(page))[1]!.state).toBe('done')
    expect(model.requests).toHaveLength(1)
    const sessionId = await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)

    // The owner opens the session in the console and takes it over.
    const desk = await owner.newPage()
    await signIn(desk, `${host.url}/console/`)
    await desk.goto(`${host.url}/console/watch?agent=${agent.id}`)
    await desk.getByRole('region', { name: 'Sessions table' }).getByRole('link').first().click()
    await desk.getByLabel('Name the visitor sees').fill('Anna')
    await desk.getByRole('button', { name: 'Take over' }).click()
    await desk.getByText('by Anna since').waitFor()

    const notice = page.locator('porch-chat [part="notice"]')
    await notice.first().waitFor()
    expect(await notice.first().innerText()).toBe('A person joined the chat: Anna')
    // The transcript is the polite live region that announces it.
    expect(await page.locator('porch-chat [part="transcript"]').getAttribute('aria-live')).toBe('polite')

    await desk.getByLabel('Message to the visitor').fill('Hi, Anna here. I am looking into your parcel.')
    await desk.getByRole('button', { name: 'Send', exact: true }).click()
    const author = page.locator('porch-chat [part="author"]')
    await author.waitFor()
    expect(await author.innerText()).toBe('Anna')
    const personMessage = page.locator('porch-chat [part~="message-assistant"]').filter({ has: page.locator('[part="author"]') })
    expect(await personMessage.innerText()).toContain('Hi, Anna here. I am looking into your parcel.')

    // The visitor answers the person: no model run, no answer to wait for; the console shows it live.
    await say(page, 'Thank you, the order number is 4711')
    await desk.locator('porch-console .msg.user').filter({ hasText: 'the order number is 4711' }).waitFor()
    expect(await desk.locator('porch-console div.sr-only[role="status"]').innerText()).toBe('Visitor: Thank you, the order number is 4711')
    const composer = page.locator('porch-chat [part="send-button"]:not([disabled])')
    await composer.waitFor()
    expect(model.requests).toHaveLength(1)
    const held = await page.evaluate(() =>
      (document.querySelector('porch-chat') as unknown as { chat: { messages: { role: string }[] } }).chat.messages.map((m) => m.role),
    )
    expect(held.at(-1)).toBe('user')

    await desk.getByRole('button', { name: 'Hand back to agent' }).click()
    await page.locator('porch-chat [part="notice"]').filter({ hasText: 'The agent is back.' }).waitFor()

    await say(page, 'Is there anything else?')
    await page.locator('porch-chat [part~="message-assistant"]').filter({ hasText: 'The agent answers.' }).nth(1).waitFor()
    expect((await waitForAnswer(page)).at(-1)!.state).toBe('done')
    expect(model.requests).toHaveLength(2)
    const prompt = model.requests[1]!.body.messages as { role: string; content: unknown }[]
    expect(prompt).toContainEqual(expect.objectContaining({ role: 'assistant', content: 'Hi, Anna here. I am looking into your parcel.' }))
    expect(prompt).toContainEqual(expect.objectContaining({ role: 'user', content: 'Thank you, the order number is 4711' }))

    // A reload rebuilds the same chat from the history: the person's message keeps its name.
    await page.reload()
    await page.locator('porch-chat [part="author"]').waitFor()
    expect(await page.locator('porch-chat [part="author"]').innerText()).toBe('Anna')
    expect(sessionId).toBeTruthy()
    expect(errors).toEqual([])
  } finally {
    await owner.close()
    await close()
  }
})
