/**
 * What a visitor may upload, checked on the bytes: an image must start with its format's magic
 * number and match the type it claims; a text file must be UTF-8 without NUL bytes. The
 * declared name is only kept for display.
 */
import { ATTACHMENT_TYPES, LIMITS } from '../../shared/index.ts'
import type { AttachmentBudget, AttachmentOutcome } from '../store/store.ts'
import { secondsToNextUtcDay } from '../store/utc-day.ts'
import { ApiError } from './errors.ts'

const IMAGE_SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]),
  'image/webp': (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => bytes.length >= prefix.length && prefix.every((value, i) => bytes[i] === value)

const ALLOWED = [...ATTACHMENT_TYPES.images, ...ATTACHMENT_TYPES.text] as readonly string[]

/** The attachment's content type, once its bytes agree with it; throws a 4xx ApiError otherwise. */
export function checkAttachment(declaredType: string | undefined, bytes: Uint8Array): string {
  const type = (declaredType ?? '').split(';')[0]!.trim().toLowerCase()
  if (!ALLOWED.includes(type)) {
    throw new ApiError(415, 'unsupported_attachment', `Attachments may be ${ALLOWED.join(', ')}; this one is ${type || 'of no declared type'}.`)
  }
  if (bytes.byteLength === 0) throw new ApiError(400, 'invalid_request', 'The attachment is empty.')
  if (bytes.byteLength > LIMITS.attachmentBytes)
    throw new ApiError(413, 'payload_too_large', `Attachments may be at most ${LIMITS.attachmentBytes / 1024 / 1024} MiB.`)
  const signature = IMAGE_SIGNATURES[type]
  if (signature) {
    if (!signature(bytes)) throw new ApiError(415, 'unsupported_attachment', `The file is not a ${type} image.`)
    return type
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    if (text.includes('\u0000')) throw new Error('NUL byte')
  } catch {
    throw new ApiError(415, 'unsupported_attachment', 'Text attachments must be UTF-8 text.')
  }
  return type
}

/** `Content-Disposition` that names the file for every browser and cannot be broken out of. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

/**
 * The refusal of an upload over a budget. A session's budget does not come back by waiting (413;
 * a new chat has its own); an agent's day's does, at midnight UTC (429 with Retry-After). Only the
 * visitor's own session is described in numbers: what others uploaded today is not theirs to see.
 */
export function overBudget(outcome: Exclude<AttachmentOutcome, { kind: 'saved' }>, budget: AttachmentBudget, nowMs: number): ApiError {
  if (outcome.kind === 'session_budget_spent') {
    return new ApiError(
      413,
      'session_attachment_budget_exceeded',
      `This chat's attachments may take ${sizeText(budget.sessionBytes)} in all, and ${sizeText(outcome.usedBytes)} are taken: this file does not fit. Start a new chat to attach more.`,
      { budget_bytes: budget.sessionBytes, used_bytes: outcome.usedBytes },
    )
  }
  const seconds = secondsToNextUtcDay(nowMs)
  return new ApiError(
    429,
    'agent_attachment_budget_exceeded',
    'This agent has received all the attachments it accepts today. Attaching files works again at midnight UTC.',
    { retry_after_seconds: seconds },
    { 'Retry-After': String(seconds) },
  )
}

const KIB = 1024
const MIB = 1024 * KIB

/** Bytes as people read them: `512 bytes`, `3.5 KiB`, `50 MiB`. */
export const sizeText = (bytes: number): string =>
  bytes >= MIB ? `${+(bytes / MIB).toFixed(1)} MiB` : bytes >= KIB ? `${+(bytes / KIB).toFixed(1)} KiB` : `${bytes} bytes`
