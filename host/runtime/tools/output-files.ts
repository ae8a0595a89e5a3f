/**
 * Files that tools hand to the visitor (a CSV export, a generated image, a PDF from an HTTP
 * tool). A tool gives the bytes to the run's sink; the run stores them under its session and
 * announces them with an `output_file` event, and the model is told, in words, that the visitor
 * got the file. Tools never see where or how it is stored.
 */
import { LIMITS } from '../../../shared/index.ts'

export type OutputFile = { filename: string; contentType: string; data: Uint8Array }
export type SavedFile = { fileId: string; filename: string; contentType: string; size: number }

export type OutputFileSink = { save(file: OutputFile): Promise<SavedFile> }

/** Files one run may hand out, so a looping model cannot fill the disk. */
export const MAX_OUTPUT_FILES_PER_RUN = 10

export class OutputFileError extends Error {
  override name = 'OutputFileError'
}

/** A name that is safe in a Content-Disposition header and on any file system. */
export function safeFilename(name: string, fallback = 'file'): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
    .replace(/[\u0000-\u001f\u007f"<>:|?*]/g, '')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, LIMITS.filenameChars)
  return cleaned === '' ? fallback : cleaned
}

/** `type/subtype` in lower case without parameters, or application/octet-stream when it is not one. */
export function plainContentType(value: string | undefined): string {
  const type = (value ?? '').split(';')[0]!.trim().toLowerCase()
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : 'application/octet-stream'
}

/** What the model reads after handing out a file. */
export function describeSavedFile(file: SavedFile): string {
  return `The file "${file.filename}" (${file.contentType}, ${file.size} bytes) was handed to the visitor as a download.`
}

export function checkOutputFile(file: OutputFile, savedSoFar: number): void {
  if (savedSoFar >= MAX_OUTPUT_FILES_PER_RUN) throw new OutputFileError(`a run may hand out at most ${MAX_OUTPUT_FILES_PER_RUN} files`)
  if (file.data.byteLength === 0) throw new OutputFileError('the file is empty')
  if (file.data.byteLength > LIMITS.outputFileBytes) throw new OutputFileError(`the file is larger than ${LIMITS.outputFileBytes / 1024 / 1024} MiB`)
}
