/**
 * How both stores write a run's messages and its trace error. PostgreSQL refuses a NUL character
 * in `jsonb` and `text` (SQLite would keep it), and a NUL can come from anywhere a run takes
 * text: a visitor's message, a model's reply or tool input (`search_knowledge` with a hostile
 * query), a provider's error. It is stored as U+FFFD in both stores, so a run is never lost to
 * one character and the two stores keep the same thing.
 */

/** An encoded NUL: `\u0000` after an even number of backslashes (an odd one escapes the backslash itself). */
const ENCODED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g

/** `JSON.stringify(value)` with every NUL in its strings replaced by U+FFFD; one scan, nothing to do in the usual case. */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value)
  return json.includes('\\u0000') ? json.replace(ENCODED_NUL, '$1\\ufffd') : json
}

/** A text with every NUL replaced by U+FFFD. */
export const storableText = <T extends string | null>(text: T): T => (text?.includes('\0') ? (text.replaceAll('\0', '\ufffd') as T) : text)
