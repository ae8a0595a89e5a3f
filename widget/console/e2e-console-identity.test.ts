/**
 * The agent's Identity tab in Chromium against a real host: the owner creates the identity
 * secret (shown once, and it signs tokens the host accepts), requires identity, rotates the
 * secret; the watch page shows each session's user and filters by user id.
 */
import { createHmac } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TestHost } from '../../host/testing/harness.ts'
import { launchBrowser } from '../testing/browser.ts'
import { startPorch } from '../testing/e2e.ts'
import { feedback, signIn } from './e2e-helpers.ts'

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
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
}

it('creates the secret once, requires identity, rotates it, and watches sessions by user', async () => {
  const agent = await host.owner.publishedAgent({ name: 'Identity agent', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, `${host.url}/console/`)
    await page.goto(`${host.url}/console/agents/${agent.id}/identity`)
    await page.getByText('The agent has no identity secret yet.').waitFor()
    const required = page.getByLabel(/Require a signed-in user/)
    expect(await required.isDisabled()).toBe(true)

    await page.getByRole('button', { name: 'Create secret' }).click()
    await feedback(page, 'Secret created: copy it now, it is shown only once.')
    const secret = (await page.getByLabel('Identity secret').innerText()).trim()
    expect(secret).toMatch(/^pid_/)
    const chat = (token?: string) =>
      host.post(
        `/api/v1/published/${agent.id}/chat/sync`,
        { request: 'hi', session_id: `console-${Math.random()}` },
        token ? { 'X-Porch-User-Token': token } : {},
      )
    expect((await chat(userToken(secret, 'ivy', 'Ivy Example'))).status).toBe(200)

    await required.check()
    await feedback(page, 'Only signed-in users can chat now.')
    expect((await chat()).status).toBe(401)

    await page.getByRole('button', { name: 'I have copied it' }).click()
    expect(await page.getByLabel('Identity secret').count()).toBe(0)
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await feedback(page, /^New secret: tokens signed with the old one stopped working/)
    expect((await chat(userToken(secret, 'ivy', 'Ivy Example'))).status).toBe(401)
    const rotated = (await page.getByLabel('Identity secret').innerText()).trim()
    expect(rotated).not.toBe(secret)
    expect((await chat(userToken(rotated, 'jo', 'Jo'))).status).toBe(200)
    // The signing snippets are there to copy.
    expect(await page.getByLabel('Python').innerText()).toContain('jwt.encode(')

    await page.goto(`${host.url}/console/watch?agent=${agent.id}`)
    const rows = page.getByRole('region', { name: 'Sessions table' }).locator('tbody tr')
    await rows.first().waitFor()
    expect(await rows.count()).toBe(2)
    await page.getByLabel('User id').fill('ivy')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/user=ivy/)
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().innerText()).toContain('Ivy Example')
  } finally {
    await context.close()
  }
})
