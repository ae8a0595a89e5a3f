/**
 * What the console's browser tests share: signing in through the real form, waiting for a
 * panel's feedback line, and saving a screenshot per page for review (test-results/ is gitignored).
 */
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { ADMIN_TOKEN } from '../../host/testing/harness.ts'

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/console/', import.meta.url))

export async function signIn(page: Page, consoleUrl: string, token = ADMIN_TOKEN): Promise<void> {
  await page.goto(consoleUrl)
  await page.getByLabel('Admin token or owner key').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

/** Waits for a `role="status"` line of the page to say `text` (the action's visible feedback). */
export async function feedback(page: Page, text: string | RegExp, scope = page.locator('porch-console')): Promise<string> {
  const line = scope.locator('[role="status"]').filter({ hasText: text }).first()
  await line.waitFor()
  return line.innerText()
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = `${SCREENSHOTS}${name}.png`
  await page.screenshot({ path, fullPage: true })
  return path
}

/** A port that was free a moment ago, for a host whose public URL must name its own port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
