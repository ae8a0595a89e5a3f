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
  })
}
