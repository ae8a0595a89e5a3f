/**
 * How both stores write a run's messages and its trace error. PostgreSQL refuses a NUL character
 * in `jsonb` and `text` (SQLite would keep it), and a NUL can come from anywhere a run takes
 * text: a visitor's message, a model's reply or tool input (`search_knowledge` with a hostile
 * query), a provider's error. It is stored as U+FFFD in both stores, so a run is never lost to
 * one character and the two stores keep the same thing.
 */
import type { AnswerSource, ContentBlock } from '../../shared/index.ts'

/** An encoded NUL: `\u0000` after an even number of backslashes (an odd one escapes the backslash itself). */
const ENCODED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g

/** `JSON.stringify(value)` with every NUL in its strings replaced by U+FFFD; one scan, nothing to do in the usual case. */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value)
  return json.includes('\\u0000') ? json.replace(ENCODED_NUL, '$1\\ufffd') : json
}

/** A text with every NUL replaced by U+FFFD. */
export const storableText = <T extends string | null>(text: T): T => (text?.includes('\0') ? (text.replaceAll('\0', '\ufffd') as T) : text)

/**
 * A run's sources are kept in its assistant message's content, as a last element
 * `{ type: 'sources', sources }` that no content block has: both stores (and
 * `npm run migrate-store`, which copies content as it is) keep them without a schema change, and
 * only the store boundary sees that element. The model's history, the widget and the owner read
 * `Message.sources`, never the element.
 */
type SourcesElement = { type: 'sources'; sources: AnswerSource[] }

/** What goes into the `content` column: the blocks, and the sources as their last element when there are any. */
export function storedContent(message: { content: ContentBlock[]; sources?: AnswerSource[] }): (ContentBlock | SourcesElement)[] {
  if (!message.sources?.length) return message.content
  return [...message.content, { type: 'sources', sources: message.sources.map(({ file_url: _, ...source }) => source) }]
}

/** The `content` column read back: the blocks, and the sources if it kept any. */
export function fromStoredContent(stored: (ContentBlock | SourcesElement)[]): { content: ContentBlock[]; sources?: AnswerSource[] } {
  const last = stored.at(-1)
  if (last?.type !== 'sources') return { content: stored as ContentBlock[] }
  return { content: stored.slice(0, -1) as ContentBlock[], sources: last.sources }
}
