/**
 * Issue 18's whole journey in Chromium, once on SQLite (one host) and once on PostgreSQL with
 * Redis (two host processes: the visitor's widget talks to host B, the owner's console to host
 * A): a site signs in its user and embeds the widget with a user token; the user chats and rates
 * the answer; the owner finds the session by the user in the console, reads the dashboard, exports
 * the sessions, takes the chat over, writes to the visitor live and hands it back; the agent
 * answers again with the person's message in its prompt; and the user's conversation follows them
 * to another device. Each part has its own detailed tests; this one checks that they meet.
 */
import { createHmac } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLUSTER_ADMIN_TOKEN, startCluster } from '../../host/testing/cluster.ts'
import { type FakeProvider, type RecordedRequest, type ScriptedReply, startFakeOpenAI } from '../../host/testing/fake-providers.ts'
import { ADMIN_TOKEN, type OwnerClient, ownerClient } from '../../host/testing/harness.ts'
import { WIDGET_VERSION } from '../../host/widget-assets.ts'
import { signIn } from '../console/e2e-helpers.ts'
import { launchBrowser, openPage } from '../testing/browser.ts'
import { say, startPorch, transcript, waitForAnswer } from '../testing/e2e.ts'

const MODEL = 'openai:gpt-test'
const model = (_request: RecordedRequest): ScriptedReply => ({ text: ['Your parcel ', 'is on its way.'] })

/** Where the journey runs: the widget's host, the console's host (another process in the shared mode), the owner API and the fake model. */
type Place = { widgetHost: string; consoleHost: string; adminToken: string; owner: OwnerClient; fake: FakeProvider; stop(): Promise<void> }

async function sqlitePlace(): Promise<Place> {
  const fake = await startFakeOpenAI(model)
  const host = await startPorch({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test', PORCH_HEARTBEAT_SECONDS: '1' })
  return {
    widgetHost: host.url,
    consoleHost: host.url,
    adminToken: ADMIN_TOKEN,
    owner: host.owner,
    fake,
    stop: async () => {
      await host.stop()
      await fake.close()
    },
  }
}

async function postgresPlace(): Promise<Place> {
  const cluster = await startCluster({ hosts: 2, script: model, env: { PORCH_HEARTBEAT_SECONDS: '1' } })
  const [hostA, hostB] = cluster.hostUrls as [string, string]
  return {
    widgetHost: hostB,
    consoleHost: hostA,
    adminToken: CLUSTER_ADMIN_TOKEN,
    owner: ownerClient(hostA, CLUSTER_ADMIN_TOKEN),
    fake: cluster.fake,
    stop: () => cluster.stop(),
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** What the site's server does for its signed-in user (the README's Node snippet). */
function userToken(secret: string, sub: string, name: string): string {
  const now = Math.floor(Date.now() / 1000)
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, iat: now, exp: now + 600 })}`
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
}

const chatHtml = (place: Place, agentId: string, token: string) =>
  `<div style="height:600px"><porch-chat mode="inline" host="${place.widgetHost}" agent="${agentId}" user-token="${token}"></porch-chat></div>
  <script type="module" src="${place.widgetHost}/widget/${WIDGET_VERSION}/porch-chat.js"></script>`

const sessionIdOf = (page: Page) => page.evaluate(() => (document.querySelector('porch-chat') as unknown as { chat: { sessionId: string } }).chat.sessionId)

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

describe.each([
  ['SQLite, one host', sqlitePlace],
  ['PostgreSQL and Redis, two hosts', postgresPlace],
])('the owner’s journey on %s', (_name, startPlace) => {
  let place: Place
  beforeAll(async () => {
    place = await startPlace()
  }, 120_000)
  afterAll(async () => {
    await place?.stop()
  })

  it('signed-in user → widget → rating → console by user → dashboard → export → takeover → agent again → another device', async () => {
    const { owner, fake } = place
    const agent = await owner.publishedAgent({ name: 'Parcel desk', model: MODEL })
    const secret = (await owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret as string
    expect((await owner.call('PATCH', `/agents/${agent.id}/identity`, { require_identity: true })).status).toBe(200)

    const visitor = await openPage(browser, { html: chatHtml(place, agent.id, userToken(secret, 'user-42', 'Ada')) })
    const desk = await browser.newContext()
    try {
      const { page } = visitor
      // The signed-in user chats; the model is told who it speaks with, apart from the instructions.
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await say(page, 'Where is my parcel?')
      expect((await waitForAnswer(page))[1]).toMatchObject({ state: 'done', text: 'Your parcel is on its way.' })
      const firstPrompt = JSON.stringify(fake.requests.at(-1)!.body.messages)
      expect(firstPrompt).toContain('<verified_visitor>')
      expect(firstPrompt).toContain('user-42')
      const sessionId = await sessionIdOf(page)

      // …and rates the answer.
      await page.locator('porch-chat [part="feedback-button"][aria-label="Helpful"]').click()
      await page.locator('porch-chat [part="feedback-button"][aria-label="Helpful"][aria-pressed="true"]').waitFor()

      // The owner, on the other host, finds the session by its user.
      const console = await desk.newPage()
      await signIn(console, `${place.consoleHost}/console/`, place.adminToken)
      await console.goto(`${place.consoleHost}/console/watch?agent=${agent.id}&user_id=user-42`)
      const rows = console.getByRole('region', { name: 'Sessions table' }).locator('tbody tr')
      await rows.first().waitFor()
      expect(await rows.count()).toBe(1)
      expect(await rows.first().innerText()).toContain('1 helpful')

      // The dashboard counts the conversation, the visitor and the rating.
      const from = new Date(Date.now() - 3_600_000).toISOString()
      const to = new Date(Date.now() + 3_600_000).toISOString()
      const report = (await owner.call('GET', `/analytics?agent_id=${agent.id}&from=${from}&to=${to}&group=hour`)).body
      expect(report.totals).toMatchObject({ conversations: 1, runs: 1, visitors: 1, feedback_up: 1, feedback_down: 0, satisfaction: 1 })
      await console.goto(`${place.consoleHost}/console/agents/${agent.id}/analytics`)
      await console.getByRole('table').filter({ hasText: 'Satisfaction' }).first().waitFor()
      expect(await console.locator('porch-console').innerText()).toMatch(/Satisfaction\s*100 %/)

      // The export has the user's session with the rating on the answer.
      const csv = await (
        await fetch(`${place.consoleHost}/api/v1/agents/${agent.id}/export/sessions?format=csv&user_id=user-42`, {
          headers: { authorization: `Bearer ${place.adminToken}` },
        })
      ).text()
      const [header, ...lines] = csv
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n')
      expect(header).toContain('feedback_rating')
      expect(lines).toHaveLength(2)
      expect(lines[1]).toContain(sessionId)
      expect(lines[1]).toMatch(/,up,/)

      // The owner takes the chat over from the console; the widget on the other host hears it.
      await console.goto(`${place.consoleHost}/console/watch?agent=${agent.id}&user_id=user-42`)
      await console.getByRole('region', { name: 'Sessions table' }).getByRole('link').first().click()
      await console.getByLabel('Name the visitor sees').fill('Anna')
      await console.getByRole('button', { name: 'Take over' }).click()
      await page.locator('porch-chat [part="notice"]').filter({ hasText: 'A person joined the chat: Anna' }).waitFor()
      await console.getByLabel('Message to the visitor').fill('Anna here: I can see it left the depot.')
      await console.getByRole('button', { name: 'Send', exact: true }).click()
      await page.locator('porch-chat [part~="message-assistant"]').filter({ hasText: 'Anna here: I can see it left the depot.' }).waitFor()
      const modelCalls = fake.requests.length
      await say(page, 'Thanks Anna, when will it arrive?')
      await console.locator('porch-console .msg.user').filter({ hasText: 'when will it arrive?' }).waitFor()
      expect(fake.requests.length).toBe(modelCalls)

      // Handed back, the agent answers with the person's message in its prompt.
      await console.getByRole('button', { name: 'Hand back to agent' }).click()
      await page.locator('porch-chat [part="notice"]').filter({ hasText: 'The agent is back.' }).waitFor()
      await say(page, 'Anything else I should know?')
      await page.locator('porch-chat [part~="message-assistant"]').filter({ hasText: 'Your parcel is on its way.' }).nth(1).waitFor()
      expect((await waitForAnswer(page)).at(-1)!.state).toBe('done')
      expect(fake.requests.length).toBe(modelCalls + 1)
      expect(fake.requests.at(-1)!.body.messages).toContainEqual(
        expect.objectContaining({ role: 'assistant', content: 'Anna here: I can see it left the depot.' }),
      )
      expect(visitor.errors).toEqual([])
      const transcriptNow = await owner.call('GET', `/agents/${agent.id}/sessions/${sessionId}`)
      expect(transcriptNow.body.user).toMatchObject({ id: 'user-42' })
      expect(transcriptNow.body.messages.map((m: { author?: { kind: string } }) => m.author?.kind ?? '-')).toEqual(['-', '-', 'human', '-', '-', '-'])
    } finally {
      await desk.close()
      await visitor.close()
    }

    // Another device, a fresh token for the same user: the conversation is in the list and reopens.
    const device = await openPage(browser, { html: chatHtml(place, agent.id, userToken(secret, 'user-42', 'Ada')) })
    try {
      const { page } = device
      await page.locator('porch-chat textarea:not([disabled])').waitFor()
      await page.locator('porch-chat [part="conversations-button"]').click()
      await page.locator('porch-chat [part="conversation"]').first().click()
      await page.locator('porch-chat [part="author"]').waitFor()
      expect((await transcript(page))[0]!.text).toBe('Where is my parcel?')
      expect(await page.locator('porch-chat [part="author"]').innerText()).toBe('Anna')
    } finally {
      await device.close()
    }
  })
})
