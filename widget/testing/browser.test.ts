import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exposeModule, launchBrowser, openPage } from './browser.ts'

declare global {
  var porchHarnessProbe: { safeUrl(value: string): string | undefined } | undefined
}

describe('browser harness', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('serves bundled modules as real scripts that a strict CSP allows', async () => {
    const opened = await openPage(browser, {
      html: '<p id="greeting">hi</p>',
      modules: ['widget/chat/markdown.ts'],
      headers: { 'content-security-policy': "default-src 'self'; script-src 'self'" },
    })
    try {
      const { page, moduleUrls, errors } = opened
      expect(await page.textContent('#greeting')).toBe('hi')
      expect(await page.locator('script[type=module][src]').count()).toBe(1)
      expect(await page.locator('script:not([src])').count()).toBe(0)
      await exposeModule(page, moduleUrls[0]!, 'porchHarnessProbe')
      expect(await page.evaluate(() => globalThis.porchHarnessProbe?.safeUrl('https://example.com'))).toBe('https://example.com/')
      expect(errors).toEqual([])
    } finally {
      await opened.close()
    }
  })

  it('aborts and records every request that leaves 127.0.0.1', async () => {
    const opened = await openPage(browser)
    try {
      const outcome = await opened.page.evaluate(() =>
        fetch('https://example.com/tracker').then(
          () => 'loaded',
          () => 'blocked',
        ),
      )
      expect(outcome).toBe('blocked')
      expect(opened.requests).toContain('https://example.com/tracker')
      expect(opened.requests[0]).toBe(`${opened.url}/`)
    } finally {
      await opened.close()
    }
  })

  it('stops the page server when the page is closed', async () => {
    const opened = await openPage(browser)
    await opened.close()
    await expect(fetch(`${opened.url}/`)).rejects.toThrow()
  })
})
