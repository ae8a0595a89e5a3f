/** Share links and their quotas (consumed atomically, exactly), chat API keys and owner keys. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRecord, NewLink, Store } from '../store.ts'
import { newAgent, type StoreContractTarget, uid } from './support.ts'

export function describeAccess(target: StoreContractTarget) {
  describe('share links and quotas', () => {
    let store: Store
    let other: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      other = await target.open()
      agent = await newAgent(store)
    })
    afterAll(async () => {
      await target.close(other)
      await target.close(store)
    })

    const newLink = (over: Partial<NewLink> = {}): NewLink => ({
      agentId: agent.id,
      name: 'link',
      tokenHash: uid('hash'),
      expiresAt: null,
      passwordHash: null,
      enabled: true,
      quotaPerVisitor: null,
      quotaTotal: null,
      allowedOrigins: [],
      ...over,
    })

    it('creates a link with a public lnk_ id, finds it by id and by token hash, and lists an agent’s links newest first', async () => {
      const mine = await newAgent(store)
      const first = await store.createLink({ ...newLink(), agentId: mine.id, name: 'first', allowedOrigins: ['https://a.example'], quotaTotal: 5 })
      expect(first.id).toMatch(/^lnk_[A-Za-z0-9_-]{16}$/)
      expect(first).toMatchObject({ agentId: mine.id, name: 'first', enabled: true, quotaTotal: 5, usedTotal: 0, allowedOrigins: ['https://a.example'] })
      expect(first).not.toHaveProperty('tokenHash')
      await new Promise((resolve) => setTimeout(resolve, 5))
      const second = await store.createLink({ ...newLink(), agentId: mine.id, name: 'second' })
      expect(await store.getLink(first.id)).toEqual(first)
      const token = uid('hash')
      await store.updateLink(second.id, { tokenHash: token })
      expect((await store.getLinkByTokenHash(token))?.id).toBe(second.id)
      expect(await store.getLinkByTokenHash(uid('hash'))).toBeNull()
      expect((await store.listLinks(mine.id)).map((l) => l.name)).toEqual(['second', 'first'])
      expect(await store.getLink('lnk_missing')).toBeNull()
    })

    it('updates what the patch names: an absent field keeps its value, null clears it', async () => {
      const link = await store.createLink(newLink({ expiresAt: isoYear(2099), passwordHash: 'scrypt$x', quotaPerVisitor: 3, quotaTotal: 9 }))
      const renamed = await store.updateLink(link.id, { name: 'renamed', enabled: false })
      expect(renamed).toMatchObject({ name: 'renamed', enabled: false, expiresAt: isoYear(2099), passwordHash: 'scrypt$x', quotaPerVisitor: 3, quotaTotal: 9 })
      const cleared = await store.updateLink(link.id, {
        expiresAt: null,
        passwordHash: null,
        quotaPerVisitor: null,
        quotaTotal: null,
        allowedOrigins: ['https://b.example'],
      })
      expect(cleared).toMatchObject({
        name: 'renamed',
        expiresAt: null,
        passwordHash: null,
        quotaPerVisitor: null,
        quotaTotal: null,
        allowedOrigins: ['https://b.example'],
      })
      expect(await store.updateLink('lnk_missing', { name: 'x' })).toBeNull()
      expect(await store.deleteLink(link.id)).toBe(true)
      expect(await store.deleteLink(link.id)).toBe(false)
      expect(await store.getLink(link.id)).toBeNull()
    })

    it('counts messages against the total and the visitor’s day; a visitor over their quota does not use up the total', async () => {
      const link = await store.createLink(newLink({ quotaPerVisitor: 2, quotaTotal: 3 }))
      const day = '2031-04-01'
      expect(await store.consumeLinkQuota(link.id, 'v1', day)).toBe('ok')
      expect(await store.consumeLinkQuota(link.id, 'v1', day)).toBe('ok')
      expect(await store.consumeLinkQuota(link.id, 'v1', day)).toBe('visitor_spent')
      expect((await store.getLink(link.id))!.usedTotal).toBe(2)
      expect(await store.consumeLinkQuota(link.id, 'v1', '2031-04-02')).toBe('ok')
      expect(await store.consumeLinkQuota(link.id, 'v2', day)).toBe('total_spent')
      expect((await store.getLink(link.id))!.usedTotal).toBe(3)
      expect(await store.consumeLinkQuota('lnk_missing', 'v1', day)).toBe('total_spent')
      // Without quotas, every message counts and passes.
      const open = await store.createLink(newLink())
      for (let i = 0; i < 3; i++) expect(await store.consumeLinkQuota(open.id, 'v', day)).toBe('ok')
      expect((await store.getLink(open.id))!.usedTotal).toBe(3)
    })

    it('consumes quotas exactly under concurrency, from two store instances at once', async () => {
      const total = await store.createLink(newLink({ quotaTotal: 10 }))
      const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? other : store).consumeLinkQuota(total.id, `v${i}`, '2031-05-01')))
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10)
      expect(outcomes.filter((o) => o === 'total_spent')).toHaveLength(20)
      expect((await store.getLink(total.id))!.usedTotal).toBe(10)

      const perVisitor = await store.createLink(newLink({ quotaPerVisitor: 4, quotaTotal: 100 }))
      const visitor = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).consumeLinkQuota(perVisitor.id, 'same', '2031-05-01')))
      expect(visitor.filter((o) => o === 'ok')).toHaveLength(4)
      expect(visitor.filter((o) => o === 'visitor_spent')).toHaveLength(16)
      expect((await store.getLink(perVisitor.id))!.usedTotal).toBe(4)
    })

    it('deletes an agent’s links with the agent', async () => {
      const mine = await newAgent(store)
      const link = await store.createLink({ ...newLink(), agentId: mine.id })
      await store.deleteAgent(mine.id)
      expect(await store.getLink(link.id)).toBeNull()
    })
  })

  describe('chat API keys and owner keys', () => {
    let store: Store
    let agent: AgentRecord
    beforeAll(async () => {
      store = await target.open()
      agent = await newAgent(store)
    })
    afterAll(() => target.close(store))

    it('creates, lists newest first, refreshes, touches and deletes an agent’s chat keys', async () => {
      const mine = await newAgent(store)
      const id = uid('key')
      const key = await store.createApiKey({ id, agentId: mine.id, name: 'server', secretHash: 'h1' })
      expect(key).toMatchObject({ id, agentId: mine.id, name: 'server', secretHash: 'h1', refreshedAt: null, lastUsedAt: null })
      expect(key.createdAt).toMatch(/^\d{4}-/)
      await new Promise((resolve) => setTimeout(resolve, 5))
      const second = await store.createApiKey({ id: uid('key'), agentId: mine.id, name: 'second', secretHash: 'h2' })
      expect((await store.listApiKeys(mine.id)).map((k) => k.id)).toEqual([second.id, id])
      const refreshed = await store.refreshApiKey(id, 'h3')
      expect(refreshed).toMatchObject({ id, secretHash: 'h3' })
      expect(refreshed!.refreshedAt).toMatch(/^\d{4}-/)
      expect(await store.refreshApiKey(uid('key'), 'h')).toBeNull()
      await store.touchApiKey(id)
      expect((await store.getApiKey(id))!.lastUsedAt).toMatch(/^\d{4}-/)
      await store.touchApiKey(uid('key')) // an unknown key: nothing happens
      expect(await store.deleteApiKey(id)).toBe(true)
      expect(await store.deleteApiKey(id)).toBe(false)
      expect(await store.getApiKey(id)).toBeNull()
    })

    it('deletes an agent’s chat keys with the agent', async () => {
      const mine = await newAgent(store)
      const key = await store.createApiKey({ id: uid('key'), agentId: mine.id, name: 'k', secretHash: 'h' })
      await store.deleteAgent(mine.id)
      expect(await store.getApiKey(key.id)).toBeNull()
      expect(agent.id).not.toBe(mine.id)
    })

    it('creates, lists, touches and deletes owner keys, for every agent or some', async () => {
      const all = await store.createOwnerKey({ id: uid('own'), name: 'all', role: 'owner', agentIds: null, secretHash: 'h' })
      await new Promise((resolve) => setTimeout(resolve, 5))
      const some = await store.createOwnerKey({ id: uid('own'), name: 'some', role: 'viewer', agentIds: [agent.id], secretHash: 'h2' })
      expect(all).toMatchObject({ name: 'all', role: 'owner', agentIds: null, lastUsedAt: null })
      expect(await store.getOwnerKey(some.id)).toEqual(some)
      expect(some.agentIds).toEqual([agent.id])
      const listed = (await store.listOwnerKeys()).map((k) => k.id)
      expect(listed).toEqual(expect.arrayContaining([all.id, some.id]))
      expect(listed.indexOf(some.id)).toBeLessThan(listed.indexOf(all.id))
      await store.touchOwnerKey(all.id)
      expect((await store.getOwnerKey(all.id))!.lastUsedAt).toMatch(/^\d{4}-/)
      expect(await store.deleteOwnerKey(all.id)).toBe(true)
      expect(await store.deleteOwnerKey(all.id)).toBe(false)
      expect(await store.getOwnerKey(all.id)).toBeNull()
      expect(await store.getOwnerKey(randomUUID())).toBeNull()
    })
  })
}

const isoYear = (year: number) => `${year}-01-01T00:00:00.000Z`
