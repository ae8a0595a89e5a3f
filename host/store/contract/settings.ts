/** Settings: the host's own key/value pairs (admin token hash, signing secret, first-start chores). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../store.ts'
import { type StoreContractTarget, uid } from './support.ts'

export function describeSettings(target: StoreContractTarget) {
  describe('settings', () => {
    let store: Store
    beforeAll(async () => {
      store = await target.open()
    })
    afterAll(() => target.close(store))

    it('is null until set; set overwrites; init keeps the first value and returns what is stored', async () => {
      const key = uid('setting')
      expect(await store.getSetting(key)).toBeNull()
      expect(await store.initSetting(key, 'first')).toBe('first')
      expect(await store.initSetting(key, 'second')).toBe('first')
      await store.setSetting(key, 'third')
      expect(await store.getSetting(key)).toBe('third')
      expect(await store.initSetting(key, 'fourth')).toBe('third')
    })

    it('stores one value when several instances init a key at once, and every caller gets that value', async () => {
      const others = [await target.open(), await target.open()]
      try {
        const stores = [store, ...others]
        for (let round = 0; round < 5; round++) {
          const key = uid('setting')
          const got = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.initSetting(key, `value-${i}`)))
          expect(new Set(got).size).toBe(1)
          expect(got[0]).toMatch(/^value-\d+$/)
          for (const s of stores) expect(await s.getSetting(key)).toBe(got[0])
        }
      } finally {
        for (const other of others) await target.close(other)
      }
    })
  })
}
