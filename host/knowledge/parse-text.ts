import type { ParsedDocument } from './document.ts'

/** Plain text: a paragraph per run of lines between blank lines, its line breaks kept (a list or an address reads as written). */
export function parseText(source: string, { url = null, title }: { url?: string | null; title: string }): ParsedDocument {
  const paragraphs = source
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n')
        .replace(/^\n+|\n+$/g, ''),
    )
    .filter((paragraph) => paragraph.trim() !== '')
  return { title, url, blocks: paragraphs.map((text) => ({ kind: 'paragraph', text })) }
}
