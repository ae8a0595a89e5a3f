/** Console sign-ins: one per signed-in browser, found by the hash of its cookie until it expires. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConsoleSignInRecord, Store } from '../store.ts'
import { isoIn, type StoreContractTarget, uid } from './support.ts'

export function describeConsoleSignIns(target: StoreContractTarget) {
  describe('console sign-ins', () => {
    let store: Store
    beforeAll(async () => {
      store = await target.open()
    })
    afterAll(() => target.close(store))

    const signIn = (over: Partial<Omit<ConsoleSignInRecord, 'createdAt'>> = {}) =>
      store.createConsoleSignIn({
        idHash: uid('sid'),
        kind: 'admin',
        ownerKeyId: null,
        adminRef: 'ref',
        csrfToken: uid('csrf'),
        expiresAt: isoIn(3_600_000),
        ...over,
      })

    it('stores a sign-in and finds it by the hash of its cookie until it is deleted', async () => {
      const record = await signIn()
      expect(record.createdAt).toMatch(/^\d{4}-/)
      expect(await store.getConsoleSignIn(record.idHash)).toEqual(record)
      expect(await store.deleteConsoleSignIn(record.idHash)).toBe(true)
      expect(await store.deleteConsoleSignIn(record.idHash)).toBe(false)
      expect(await store.getConsoleSignIn(record.idHash)).toBeNull()
    })

    it('answers null for an expired sign-in and deletes it on the way', async () => {
      const expired = await signIn({ expiresAt: isoIn(-1_000) })
      expect(await store.getConsoleSignIn(expired.idHash)).toBeNull()
      expect(await store.deleteConsoleSignIn(expired.idHash)).toBe(false)
    })

    it('purges the expired sign-ins and keeps the others', async () => {
      const expired = [await signIn({ expiresAt: isoIn(-1_000) }), await signIn({ expiresAt: isoIn(-2_000) })]
      const live = await signIn()
      expect(await store.purgeConsoleSignIns()).toBeGreaterThanOrEqual(2)
      for (const record of expired) expect(await store.deleteConsoleSignIn(record.idHash)).toBe(false)
      expect(await store.getConsoleSignIn(live.idHash)).toEqual(live)
    })

    it('ends an owner key’s sign-ins with the key', async () => {
      const key = await store.createOwnerKey({ id: uid('own'), name: 'k', role: 'editor', agentIds: null, secretHash: 'h' })
      const record = await signIn({ kind: 'owner_key', ownerKeyId: key.id, adminRef: null })
      expect(await store.getConsoleSignIn(record.idHash)).toMatchObject({ kind: 'owner_key', ownerKeyId: key.id })
      await store.deleteOwnerKey(key.id)
      expect(await store.getConsoleSignIn(record.idHash)).toBeNull()
    })
  })
}
