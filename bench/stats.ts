/** Order statistics for timing samples (nearest rank, so a reported value was really seen). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export const median = (values: number[]) => percentile(values, 50)

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
