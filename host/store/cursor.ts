/**
 * A page cursor as both stores make it: the row's (time, key) as base64url JSON, opaque to
 * callers (the owner API passes it through). Each store picks its own key (SQLite's rowid,
 * PostgreSQL's identity column); the encoding is one, so a cursor reads the same everywhere.
 */
import { InvalidCursorError } from './store.ts'

/** The last row of a page: its time (ISO, milliseconds, Z) and its key, the tiebreaker among equal times. */
export type TimeKeyCursor = { at: string; pk: number }

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

export const encodeCursor = (cursor: TimeKeyCursor): string => Buffer.from(JSON.stringify([cursor.at, cursor.pk])).toString('base64url')

/** The cursor's (time, key), or InvalidCursorError for any string no store made. */
export function decodeCursor(value: string): TimeKeyCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [at, pk] = parsed as unknown[]
      if (typeof at === 'string' && ISO.test(at) && Number.isSafeInteger(pk) && (pk as number) >= 0) return { at, pk: pk as number }
    }
  } catch {
    // Falls through to the one error below.
  }
  throw new InvalidCursorError()
}
