/** UTC days: what daily quotas and budgets count by (`YYYY-MM-DD`), and how long until the next one. */

const DAY_MS = 86_400_000

export const utcDay = (nowMs: number): string => new Date(nowMs).toISOString().slice(0, 10)

/** Whole seconds until the next midnight UTC (Unix time has no leap seconds: days are DAY_MS long). */
export function secondsToNextUtcDay(nowMs: number): number {
  return Math.ceil((DAY_MS - (nowMs % DAY_MS)) / 1000)
}
