/**
 * How both stores write a run's messages and its trace error. PostgreSQL refuses a NUL character
 * in `jsonb` and `text` (SQLite would keep it), and a NUL can come from anywhere a run takes
 * text: a visitor's message, a model's reply or tool input (`search_knowledge` with a hostile
 * query), a provider's error. It is stored as U+FFFD in both stores, so a run is never lost to
 * one character and the two stores keep the same thing.
 */
import type { AnswerSource, ContentBlock, MessageAuthor } from '../../shared/index.ts'

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
 * What only the store boundary sees of a message besides its blocks, kept in its `content` as
 * last elements that no content block has: both stores (and `npm run migrate-store`, which
 * copies content as it is) keep them without a schema change. A run's sources ride on its last
 * assistant message as `{ type: 'sources', sources }`; a message a person wrote (human takeover)
 * carries `{ type: 'author', author }`. The model's history, the widget and the owner read
 * `Message.sources` and `Message.author`, never the elements.
 */
type SourcesElement = { type: 'sources'; sources: AnswerSource[] }
type AuthorElement = { type: 'author'; author: MessageAuthor }
type StoredElement = ContentBlock | SourcesElement | AuthorElement

/** What goes into the `content` column: the blocks, then the sources and the author when there are any. */
/** A message added to a taken-over session, an `assistant` one by the person holding it unless it names its author. */
export function takeoverMessage<M extends { role: string; author?: MessageAuthor }>(message: M, holder: string): M {
  return message.role === 'assistant' && !message.author ? { ...message, author: { kind: 'human', name: holder } } : message
}

export function storedContent(message: { content: ContentBlock[]; sources?: AnswerSource[]; author?: MessageAuthor }): StoredElement[] {
  if (!message.sources?.length && !message.author) return message.content
  const stored: StoredElement[] = [...message.content]
  if (message.sources?.length) stored.push({ type: 'sources', sources: message.sources.map(({ file_url: _, ...source }) => source) })
  if (message.author) stored.push({ type: 'author', author: message.author })
  return stored
}

/** The `content` column read back: the blocks, and the sources and author if it kept any. */
export function fromStoredContent(stored: StoredElement[]): { content: ContentBlock[]; sources?: AnswerSource[]; author?: MessageAuthor } {
  let end = stored.length
  let sources: AnswerSource[] | undefined
  let author: MessageAuthor | undefined
  for (let element = stored[end - 1]; element?.type === 'sources' || element?.type === 'author'; element = stored[--end - 1]) {
    if (element.type === 'sources') sources = element.sources
    else author = element.author
  }
  if (end === stored.length) return { content: stored as ContentBlock[] }
  return { content: stored.slice(0, end) as ContentBlock[], ...(sources && { sources }), ...(author && { author }) }
}

/** The text a session event carries for a message: its text blocks, joined. */
export const textOfBlocks = (content: ContentBlock[]) => content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n')
