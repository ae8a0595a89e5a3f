// Sizes are deterministic, unlike timings, so the size budgets are held in the test suite too.
import { expect, it } from 'vitest'
import { widgetSizes } from './size.ts'

it('keeps embed.js and the widget within their brotli budgets', () => {
  for (const row of widgetSizes()) expect(row.brotli, `${row.file} brotli bytes`).toBeLessThanOrEqual(row.budget)
})
