/**
 * PDF to blocks, a section per page. unpdf ships PDF.js (Mozilla's reader, the one in Firefox)
 * built to run without a worker, a canvas or native code: 2.3 MB installed in one package,
 * against 73 MB for pdfjs-dist, which also wants a native canvas module for what we never draw.
 */
import { extractText, getDocumentProxy, getMeta } from 'unpdf'
import type { Block, ParsedDocument } from './document.ts'
import { KnowledgeParseError } from './errors.ts'

export const SCANNED_PDF_MESSAGE = 'This PDF has no text to read (it may be scanned images); upload a PDF with text or paste the text.'

export async function parsePdf(
  bytes: Uint8Array,
  { url = null, title, fallbackTitle }: { url?: string | null; title?: string; fallbackTitle: string },
): Promise<ParsedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>
  try {
    // A copy: PDF.js takes the buffer over. isEvalSupported off: fonts never compile to code (CVE-2024-4367).
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, verbosity: 0 })
  } catch (error) {
    if (error instanceof Error && error.name === 'PasswordException') {
      throw new KnowledgeParseError('This PDF is protected by a password; upload a copy without one.')
    }
    throw new KnowledgeParseError('This file is not a PDF that can be read (it may be damaged); export it again as PDF or paste the text.')
  }
  try {
    const { text: pages } = await extractText(pdf, { mergePages: false })
    const blocks: Block[] = []
    pages.forEach((page, index) => {
      const paragraphs = page
        .split(/\n[ \t]*\n/)
        .map((paragraph) => paragraph.trim())
        .filter(Boolean)
      if (paragraphs.length === 0) return
      // `#page=N` opens a PDF at that page in every browser's viewer.
      blocks.push({ kind: 'heading', level: 1, text: `Page ${index + 1}`, id: `page=${index + 1}` })
      for (const text of paragraphs) blocks.push({ kind: 'paragraph', text })
    })
    if (blocks.length === 0) throw new KnowledgeParseError(SCANNED_PDF_MESSAGE)
    const info = (await getMeta(pdf).catch(() => ({ info: {} }))).info as { Title?: unknown }
    const metaTitle = typeof info.Title === 'string' ? info.Title.trim() : ''
    return { title: title || metaTitle || fallbackTitle, url, blocks }
  } finally {
    await pdf.destroy()
  }
}
