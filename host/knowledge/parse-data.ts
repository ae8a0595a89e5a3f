/** CSV and JSON to blocks: a record per row or entry, written as `name: value` so each reads alone. */
import { parse as parseCsvRows } from 'csv-parse/sync'
import type { Block, ParsedDocument } from './document.ts'
import { KnowledgeParseError } from './errors.ts'
import { recordText } from './record-text.ts'

type DataInput = { url?: string | null; title: string }

/**
 * The first row names the columns. csv-parse (Adaltas, 1.7 MB, no dependencies, its own types)
 * reads quoting and line breaks inside quotes as RFC 4180 says; the delimiter is guessed from
 * the first line, since spreadsheets in many locales save with `;`.
 */
export function parseCsv(source: string, { url = null, title }: DataInput): ParsedDocument {
  let rows: string[][]
  try {
    rows = parseCsvRows(source, { delimiter: guessDelimiter(source), bom: true, relax_column_count: true, skip_empty_lines: true, trim: true })
  } catch (error) {
    throw new KnowledgeParseError(
      `This CSV file could not be read (${error instanceof Error ? error.message : String(error)}); check its quotes and save it again.`,
    )
  }
  const [headers = [], ...body] = rows
  // A line break inside a quoted value is the spreadsheet's wrapping, not structure.
  const flat = (values: string[]) => values.map((value) => value.replace(/\s+/g, ' ').trim())
  const blocks: Block[] = body.map((values) => ({ kind: 'record', text: recordText(flat(headers), flat(values)) }))
  return { title, url, blocks: blocks.filter((block) => block.text !== '') }
}

function guessDelimiter(source: string): string {
  const firstLine = source.slice(0, source.search(/\r?\n|$/)).replace(/"[^"]*"/g, '')
  const counts = [',', ';', '\t'].map((delimiter) => [delimiter, firstLine.split(delimiter).length] as const)
  return counts.reduce((best, next) => (next[1] > best[1] ? next : best))[0]
}

/**
 * A JSON entry per top-level element of an array, or per top-level key of an object; an object's
 * key that holds a list becomes a heading over one entry per list element, after the other keys. Entries are lines of
 * `path: value` (`price.amount: 12`, `tags[0]: bread`).
 */
export function parseJson(source: string, { url = null, title }: DataInput): ParsedDocument {
  let value: unknown
  try {
    value = JSON.parse(source)
  } catch (error) {
    throw new KnowledgeParseError(`This JSON file could not be read (${error instanceof Error ? error.message : String(error)}).`)
  }
  const blocks: Block[] = []
  const entry = (item: unknown, path: string) => {
    const text = leafLines(item, path).join('\n')
    if (text !== '') blocks.push({ kind: 'record', text })
  }
  if (Array.isArray(value)) {
    for (const item of value) entry(item, '')
  } else if (isObject(value)) {
    // Lists last: a heading's section runs to the next heading, so a plain entry after a list would read as part of it.
    const entries = Object.entries(value)
    const isList = (item: unknown) => Array.isArray(item) && item.length > 0
    for (const [key, item] of entries) if (!isList(item)) entry(item, key)
    for (const [key, item] of entries) {
      if (!isList(item)) continue
      blocks.push({ kind: 'heading', level: 1, text: key })
      for (const element of item as unknown[]) entry(element, '')
    }
  } else {
    entry(value, '')
  }
  return { title, url, blocks }
}

function leafLines(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leafLines(item, `${path}[${index}]`))
  if (isObject(value)) return Object.entries(value).flatMap(([key, item]) => leafLines(item, path === '' ? key : `${path}.${key}`))
  if (value === null || value === '') return []
  const text = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : String(value)
  return [path === '' ? text : `${path}: ${text}`]
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
