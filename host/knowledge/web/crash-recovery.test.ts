/**
 * "A source is never left importing for ever", with a real crash: a host (a child process) is
 * crawling a web source when it gets SIGKILL, on a page the site holds back; the host started
 * again on the same database takes the import over once its lease has run out, crawls again,
 * and the source ends `ready` with every page. The same on a SQLite file and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { KnowledgeSourceDetailSchema } from '../../../shared/index.ts'
import { STORES, testDatabase } from '../../reliability/support.ts'
import { killAllChildren, startChildHost } from '../../testing/child-host.ts'
import { startDocsSite } from '../../testing/docs-site.ts'
import { eventually, ownerClient } from '../../testing/harness.ts'

const TOKEN = 'crawl-crash-admin-token-0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'porch-crawl-crash-'))

afterAll(async () => {
  await killAllChildren()
  rmSync(dir, { recursive: true, force: true })
})

describe.each(STORES)('a host killed mid-crawl, on %s', (kind) => {
  it('is taken over after a restart, and the source ends ready with every page', async () => {
    const site = await startDocsSite()
    const db = await testDatabase(kind, mkdtempSync(join(dir, `${kind}-`)))
    // A 3 s lease: the restarted host may take the import over 3 s after the last renewal.
    const env = { ...db.env, PORCH_ADMIN_TOKEN: TOKEN, PORCH_KNOWLEDGE_ALLOW_PRIVATE: '1', PORCH_INSTANCE_LEASE_SECONDS: '3' }
    try {
      let host = await startChildHost(env)
      const owner = ownerClient(host.url, TOKEN)
      const agent = await owner.createAgent({ name: 'Crawled', model: 'demo:instant' })
      const release = site.hold('/docs/faq.html')
      const added = await owner.call('POST', `/agents/${agent.id}/knowledge/sources`, {
        kind: 'url',
        urls: [`${site.url}/docs/guide.html`, `${site.url}/docs/faq.html`],
      })
      expect(added.status).toBe(202)
      await eventually(() => site.requests.includes('/docs/faq.html') || undefined)
      await host.kill('SIGKILL')
      release()

      host = await startChildHost(env)
      const source = await eventually(async () => {
        const reply = await ownerClient(host.url, TOKEN).call('GET', `/agents/${agent.id}/knowledge/sources/${added.body.id}`)
        return reply.body.status === 'importing' ? undefined : KnowledgeSourceDetailSchema.parse(reply.body)
      }, 60_000)
      expect(source).toMatchObject({ status: 'ready', error: null, skipped_pages: [], progress: { pages_done: 2, pages_total: 2 } })
      const pages = new Set(source.chunks.map((chunk) => chunk.url?.replace(/#.*$/, '')))
      expect([...pages].sort()).toEqual([`${site.url}/docs/faq.html`, `${site.url}/docs/guide.html`])
      expect(host.output().stdout + host.output().stderr).toMatch(/was left importing; importing it again/)
      await host.kill('SIGTERM')
    } finally {
      await site.close()
    }
  }, 120_000)
})
