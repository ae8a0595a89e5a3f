/**
 * Signed visitor identity in Chromium: a site embeds the widget with a user token its server
 * signed (node:crypto here), the signed-in user chats; on a second browser context (another
 * device) with a new token for the same user, the conversation is in the widget's list and
 * reopens; a token rotated through `setUserToken()` is the one the next request carries (a bad
 * one is refused, a good one chats on in the same conversation).
 */
import { createHmac } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { say, scriptSnippet, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'

let browser: Browser
let host: TestHost
beforeAll(async () => {
  ;[browser, host] = await Promise.all([launchBrowser(), startPorch()])
})
afterAll(async () => {
  await browser?.close()
  await host?.stop()
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
function userToken(secret: string, sub: string, name: string): string {
  const now = Math.floor(Date.now() / 1000)
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, iat: now, exp: now + 600, jti: Math.random() })}`
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
}

const chatHtml = (agentId: string, token: string) =>
  `<div style="height:600px"><porch-chat mode="inline" host="${host.url}" agent="${agentId}" user-token="${token}"></porch-chat></div>
  <script type="module" src="${host.url}/widget/${host.assets.version}/porch-chat.js"></script>`

const sessionIdOf = (page: import('playwright-core').Page) =>
  page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string | null } }).chat.sessionId)

it('follows a signed-in user to another device, reopens their conversation, and rotates the token through setUserToken()', async () => {
  const agent = await host.owner.publishedAgent({ name: 'Signed in', model: 'demo:instant' })
  const secret = (await host.owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret as string
  expect((await host.owner.call('PATCH', `/agents/${agent.id}/identity`, { require_identity: true })).status).toBe(200)

  const first = await openPage(browser, { html: chatHtml(agent.id, userToken(secret, 'user-42', 'Ada')) })
  let sessionId: string | null
  try {
    await first.page.locator('porch-chat textarea:not([disabled])').waitFor()
    await say(first.page, 'Remember the blue door')
    const [, answer] = await waitForAnswer(first.page)
    expect(answer!.state).toBe('done')
    sessionId = await sessionIdOf(first.page)
    expect(first.errors).toEqual([])
  } finally {
    await first.close()
  }
  // Stored as the user's session.
  const owned = (await host.owner.call('GET', `/agents/${agent.id}/sessions?user_id=user-42`)).body.sessions
  expect(owned.map((s: { session_id: string; user: unknown }) => [s.session_id, s.user])).toEqual([[sessionId, { id: 'user-42', name: 'Ada' }]])

  // Another device: a fresh context, no session in its storage, a new token for the same user.
  const second = await openPage(browser, { html: chatHtml(agent.id, userToken(secret, 'user-42', 'Ada')) })
  try {
    const { page } = second
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    expect(await transcript(page)).toEqual([])
    await page.locator('porch-chat [part="conversations-button"]').click()
    const listed = page.locator('porch-chat [part="conversation"]')
    await listed.first().waitFor()
    expect(await listed.allTextContents()).toEqual(['Remember the blue door'])
    await listed.first().click()
    await page.locator('porch-chat [part="conversations"]').waitFor({ state: 'detached' })
    expect((await transcript(page)).map((m) => [m.role, m.state])).toEqual([
      ['user', 'done'],
      ['assistant', 'done'],
    ])
    expect((await transcript(page))[0]!.text).toBe('Remember the blue door')
    expect(await sessionIdOf(page)).toBe(sessionId)

    // A token the site rotates in is what the next request carries: a bad one is refused...
    await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { setUserToken(t: string): void }).setUserToken('not-a-valid-token'))
    await say(page, 'Still there?')
    const refused = await waitForAnswer(page)
    expect(refused.at(-1)!.state).toBe('error')
    expect(refused.at(-1)!.text).toBe('')
    expect(
      await page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { messages: { error?: string }[] } }).chat.messages.at(-1)!.error),
    ).toMatch(/^The user token is not valid/)
    // ...and a fresh valid one chats on, in the same conversation.
    const fresh = userToken(secret, 'user-42', 'Ada')
    await page.evaluate((t) => (document.querySelector('porch-chat') as unknown as { setUserToken(t: string): void }).setUserToken(t), fresh)
    await say(page, 'Back again')
    const [answer] = (await waitForAnswer(page)).slice(-1)
    expect(answer!.state).toBe('done')
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/${sessionId}`, { 'X-Porch-User-Token': fresh })).json()
    expect(history.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: { text: string }[] }) => m.content[0]!.text)).toEqual([
      'Remember the blue door',
      'Back again',
    ])
    expect(second.errors).toEqual([])
  } finally {
    await second.close()
  }
})

it('takes the user token from the embed script (data-user-token) and a new one from Porch.setUserToken()', async () => {
  const agent = await host.owner.publishedAgent({ name: 'Embedded, signed in', model: 'demo:instant' })
  const secret = (await host.owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret as string
  expect((await host.owner.call('PATCH', `/agents/${agent.id}/identity`, { require_identity: true })).status).toBe(200)
  const first = userToken(secret, 'user-embed', 'Em')
  const { page, errors, close } = await openPage(browser, { html: `<h1>A shop</h1>${scriptSnippet(host, { agent: agent.id }, `data-user-token="${first}"`)}` })
  try {
    await page.locator('[data-porch-embed] button').click()
    await page.locator('porch-chat textarea:not([disabled])').waitFor()
    expect(await page.locator('porch-chat').getAttribute('user-token')).toBe(first)
    await say(page, 'From the embed')
    expect((await waitForAnswer(page)).at(-1)!.state).toBe('done')

    const rotated = userToken(secret, 'user-embed', 'Em')
    await page.evaluate((t) => (window as unknown as { Porch: { setUserToken(t: string): void } }).Porch.setUserToken(t), rotated)
    expect(await page.locator('porch-chat').getAttribute('user-token')).toBe(rotated)
    await say(page, 'After rotating')
    expect((await waitForAnswer(page)).at(-1)!.state).toBe('done')
    const listed = await (await host.get(`/api/v1/published/${agent.id}/conversations`, { 'X-Porch-User-Token': rotated })).json()
    expect(listed.conversations).toEqual([expect.objectContaining({ preview: 'From the embed', message_count: 4 })])
    expect(errors).toEqual([])
  } finally {
    await close()
  }
})
