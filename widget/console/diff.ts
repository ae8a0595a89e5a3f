/**
 * What publishing would change: the draft against the active version, field by field, with a
 * line diff for long text. Pure functions (tested without a browser).
 */
export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string }

/**
 * A line diff by longest common subsequence. Quadratic, which is fine for what an owner writes
 * (instructions of a few hundred lines); past that it degrades to "all removed, all added".
 */
export function diffLines(before: string, after: string, maxCells = 4_000_000): DiffLine[] {
  // An empty text has no lines (not one empty line), so a new field shows only additions.
  const a = before === '' ? [] : before.split('\n')
  const b = after === '' ? [] : after.split('\n')
  if (a.length * b.length > maxCells) return [...a.map((text) => ({ kind: 'removed' as const, text })), ...b.map((text) => ({ kind: 'added' as const, text }))]
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
  const width = b.length + 1
  const lcs = new Uint32Array((a.length + 1) * width)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! })
      i++
      j++
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) out.push({ kind: 'removed', text: a[i++]! })
    else out.push({ kind: 'added', text: b[j++]! })
  }
  while (i < a.length) out.push({ kind: 'removed', text: a[i++]! })
  while (j < b.length) out.push({ kind: 'added', text: b[j++]! })
  return out
}

export type FieldChange = { field: string; label: string; before: string; after: string }

const LABELS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  instructions: 'Instructions',
  model: 'Model',
  temperature: 'Temperature',
  max_turns: 'Max turns',
  tools: 'Tools',
  welcome_message: 'Welcome message',
  starters: 'Starter prompts',
  theme: 'Theme',
  attachments: 'Attachments',
  context_window: 'Context window',
  compress_at: 'Summarise at',
}

const show = (value: unknown): string => {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('\n')
  return JSON.stringify(value, null, 2)
}

/** The fields whose values differ, in a stable, readable order. */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown>): FieldChange[] {
  const changes: FieldChange[] = []
  for (const field of Object.keys(LABELS)) {
    // A field the version does not record (older hosts) is not a change.
    if (before && !(field in before)) continue
    const was = before ? show(before[field]) : ''
    const now = show(after[field])
    if (was !== now) changes.push({ field, label: LABELS[field]!, before: was, after: now })
  }
  return changes
}
