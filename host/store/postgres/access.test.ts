/** The PostgreSQL store's links and quotas, chat keys, owner keys and console sign-ins (to be replaced by the shared contract suite). */
import { expect, it } from 'vitest'
import type { NewLink } from '../store.ts'
import { config, ISO, openStores } from './testing.ts'

const [store, other] = await openStores(2)
const agent = await store!.createAgent({ name: 'l', description: '', config: config() })
let tokens = 0
const newLink = (over: Partial<NewLink> = {}): NewLink => ({
  agentId: agent.id,
  name: 'link',
  tokenHash: `hash-${tokens++}-${Date.now()}`,
  expiresAt: null,
  passwordHash: null,
  enabled: true,
  quotaPerVisitor: null,
  quotaTotal: null,
  allowedOrigins: [],
  ...over,
})

it('creates, finds, patches and deletes links', async () => {
  const link = await store!.createLink(newLink({ expiresAt: '2031-01-02T03:04:05.678Z', allowedOrigins: ['https://a.example'] }))
  expect(link).toMatchObject({ agentId: agent.id, enabled: true, usedTotal: 0, expiresAt: '2031-01-02T03:04:05.678Z', allowedOrigins: ['https://a.example'] })
  expect(link.id).toMatch(/^lnk_/)
  expect(link.createdAt).toMatch(ISO)
  expect(await other!.getLinkByTokenHash(link.id)).toBeNull()
  expect(await other!.getLink(link.id)).toEqual(link)
  const patched = await store!.updateLink(link.id, { name: 'renamed', expiresAt: null, enabled: false, quotaTotal: 3 })
  expect(patched).toMatchObject({ name: 'renamed', expiresAt: null, enabled: false, quotaTotal: 3, allowedOrigins: ['https://a.example'] })
  expect((await store!.listLinks(agent.id)).map((l) => l.id)).toEqual([link.id])
  expect(await store!.deleteLink(link.id)).toBe(true)
  expect(await store!.updateLink(link.id, { name: 'x' })).toBeNull()
})

it('never lets concurrent messages from two hosts pass a link’s total quota', async () => {
  const link = await store!.createLink(newLink({ quotaTotal: 5 }))
  const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store! : other!).consumeLinkQuota(link.id, `v${i}`, '2030-01-01')))
  expect(outcomes.filter((o) => o === 'ok')).toHaveLength(5)
  expect(outcomes.filter((o) => o === 'total_spent')).toHaveLength(15)
  expect((await store!.getLink(link.id))?.usedTotal).toBe(5)
})

it('counts a visitor per day, and a visitor over their quota leaves the total alone', async () => {
  const link = await store!.createLink(newLink({ quotaPerVisitor: 2, quotaTotal: 10 }))
  const outcomes = await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? store! : other!).consumeLinkQuota(link.id, 'v', '2030-01-01')))
  expect(outcomes.sort()).toEqual(['ok', 'ok', 'visitor_spent', 'visitor_spent'])
  expect(await store!.consumeLinkQuota(link.id, 'v', '2030-01-02')).toBe('ok')
  expect((await store!.getLink(link.id))?.usedTotal).toBe(3)
  expect(await store!.consumeLinkQuota('lnk_missing', 'v', '2030-01-01')).toBe('total_spent')
})

it('keeps chat keys and owner keys', async () => {
  const key = await store!.createApiKey({ id: 'key1', agentId: agent.id, name: 'k', secretHash: 'h1' })
  expect(key).toMatchObject({ refreshedAt: null, lastUsedAt: null })
  await other!.touchApiKey('key1')
  expect((await store!.getApiKey('key1'))?.lastUsedAt).toMatch(ISO)
  expect(await store!.refreshApiKey('key1', 'h2')).toMatchObject({ secretHash: 'h2', refreshedAt: expect.stringMatching(ISO) })
  expect(await store!.refreshApiKey('nokey', 'h')).toBeNull()
  expect((await store!.listApiKeys(agent.id)).map((k) => k.id)).toEqual(['key1'])
  expect(await store!.deleteApiKey('key1')).toBe(true)

  const owner = await store!.createOwnerKey({ id: 'own1', name: 'o', role: 'editor', agentIds: [agent.id], secretHash: 'h' })
  expect(owner).toMatchObject({ role: 'editor', agentIds: [agent.id], lastUsedAt: null })
  const all = await store!.createOwnerKey({ id: 'own2', name: 'o2', role: 'viewer', agentIds: null, secretHash: 'h' })
  expect(all.agentIds).toBeNull()
  await store!.touchOwnerKey('own1')
  expect((await other!.getOwnerKey('own1'))?.lastUsedAt).toMatch(ISO)
  expect((await store!.listOwnerKeys()).map((k) => k.id).sort()).toEqual(['own1', 'own2'])
  expect(await store!.deleteOwnerKey('own2')).toBe(true)
})

it('keeps console sign-ins until they expire, and goes with their owner key', async () => {
  const soon = new Date(Date.now() + 60_000).toISOString()
  const admin = await store!.createConsoleSignIn({ idHash: 'a', kind: 'admin', ownerKeyId: null, adminRef: 'r', csrfToken: 'c', expiresAt: soon })
  expect(admin.createdAt).toMatch(ISO)
  expect(await other!.getConsoleSignIn('a')).toEqual(admin)
  await store!.createConsoleSignIn({
    idHash: 'old',
    kind: 'admin',
    ownerKeyId: null,
    adminRef: 'r',
    csrfToken: 'c',
    expiresAt: new Date(Date.now() - 1).toISOString(),
  })
  expect(await store!.getConsoleSignIn('old')).toBeNull()
  await store!.createConsoleSignIn({
    idHash: 'old2',
    kind: 'admin',
    ownerKeyId: null,
    adminRef: 'r',
    csrfToken: 'c',
    expiresAt: new Date(Date.now() - 1).toISOString(),
  })
  expect(await store!.purgeConsoleSignIns()).toBe(1)
  await store!.createOwnerKey({ id: 'own3', name: 'o3', role: 'owner', agentIds: null, secretHash: 'h' })
  await store!.createConsoleSignIn({ idHash: 'k', kind: 'owner_key', ownerKeyId: 'own3', adminRef: null, csrfToken: 'c', expiresAt: soon })
  await store!.deleteOwnerKey('own3')
  expect(await store!.getConsoleSignIn('k')).toBeNull()
  expect(await store!.deleteConsoleSignIn('a')).toBe(true)
})
