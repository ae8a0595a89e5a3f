/**
 * Auto Agents requests carry images by URL (`images: [{url}]`); for an agent that accepts
 * attachments, each becomes an attachment of the chat's session, as if the visitor had uploaded
 * it: fetched through the tools' network guard (PORCH_TOOLS_ALLOW_PRIVATE decides whether
 * loopback and private addresses may be fetched; metadata addresses never), then held to the
 * upload's rules: PNG, JPEG, GIF or WebP whose bytes match, at most 4 MiB, 4 per message, within
 * the session's and the agent's attachment budgets. An image that cannot be had refuses the
 * whole message with a 4xx naming it, before anything is stored or any run starts.
 */
import { randomUUID } from 'node:crypto'
import { ATTACHMENT_TYPES, LIMITS } from '../../../shared/index.ts'
import type { UploadLimits } from '../../config.ts'
import { checkAttachment, overBudget } from '../../http/attachments.ts'
import { ApiError } from '../../http/errors.ts'
import { type AllowPrivate, describeNetworkFailure, guardedFetch, RefusedTargetError, type Resolver } from '../../runtime/network/index.ts'
import { safeFilename } from '../../runtime/tools/index.ts'
import type { SessionKey, Store } from '../../store/store.ts'
import { utcDay } from '../../store/utc-day.ts'

export type ImageFetchOptions = {
  allowPrivate: AllowPrivate
  resolve?: Resolver
  /** The client went away: stop fetching. */
  signal?: AbortSignal
}

/** How long one image may take to arrive; an image server that stalls must not hold the request forever. */
const IMAGE_TIMEOUT_MS = 15_000
const IMAGE_TYPES: readonly string[] = ATTACHMENT_TYPES.images

/**
 * The image URLs of an Auto Agents request's `images` field, whatever else it holds: entries
 * without a string `url` are skipped (the field is accepted and never refused for its shape).
 */
export function imageUrls(images: unknown): string[] {
  if (!Array.isArray(images)) return []
  return images.flatMap((image) =>
    typeof image === 'object' && image !== null && typeof (image as { url?: unknown }).url === 'string' ? [(image as { url: string }).url] : [],
  )
}

type FetchedImage = { filename: string; contentType: string; data: Uint8Array }

/**
 * Fetches every image, then stores them as unused attachments of `session` (the message that
 * names them claims them; a refused one leaves them to the upload sweep). Returns their ids.
 */
export async function attachImages(
  urls: string[],
  session: SessionKey,
  deps: { store: Store; uploads: Pick<UploadLimits, 'sessionBytes' | 'agentDayBytes'> } & ImageFetchOptions,
): Promise<string[]> {
  if (urls.length > LIMITS.attachmentsPerMessage) {
    throw new ApiError(400, 'invalid_request', `images: at most ${LIMITS.attachmentsPerMessage} images per message.`)
  }
  // All fetched before any is stored: a refused image stores nothing.
  const images: FetchedImage[] = []
  for (const [index, url] of urls.entries()) images.push(await fetchImage(url, index, deps))

  const ids: string[] = []
  for (const image of images) {
    const now = Date.now()
    const budget = { sessionBytes: deps.uploads.sessionBytes, agentDayBytes: deps.uploads.agentDayBytes, day: utcDay(now) }
    const outcome = await deps.store.saveAttachment({ id: randomUUID(), ...session, ...image, size: image.data.byteLength }, budget)
    if (outcome.kind !== 'saved') throw overBudget(outcome, budget, now)
    ids.push(outcome.file.id)
  }
  return ids
}

async function fetchImage(raw: string, index: number, options: ImageFetchOptions): Promise<FetchedImage> {
  const name = `images[${index}]`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ApiError(400, 'image_unavailable', `${name}.url is not a URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiError(400, 'image_unavailable', `${name}.url must be an http or https URL.`)

  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(IMAGE_TIMEOUT_MS)]) : AbortSignal.timeout(IMAGE_TIMEOUT_MS)
  let response: Awaited<ReturnType<typeof guardedFetch>>
  try {
    response = await guardedFetch(
      url,
      { headers: { accept: IMAGE_TYPES.join(', ') }, signal },
      { allowPrivate: options.allowPrivate, resolve: options.resolve },
    )
  } catch (error) {
    // The refusal is told without the addresses a name resolved to: they are the host's network, not the client's business.
    if (error instanceof RefusedTargetError) {
      throw new ApiError(400, 'image_unavailable', `${name}: this host does not fetch images from ${url.host} (only public addresses are allowed).`)
    }
    throw new ApiError(400, 'image_unavailable', `${name}: ${describeNetworkFailure(error, url.host)}.`)
  }

  if (response.status !== 200) {
    response.discard()
    throw new ApiError(400, 'image_unavailable', `${name}: ${url.host} answered ${response.status} for the image.`)
  }
  const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (!IMAGE_TYPES.includes(type)) {
    response.discard()
    throw new ApiError(415, 'unsupported_attachment', `${name} is ${type || 'of no declared type'}; images may be ${IMAGE_TYPES.join(', ')}.`)
  }
  const tooLarge = () => new ApiError(413, 'payload_too_large', `${name} is larger than ${LIMITS.attachmentBytes / 1024 / 1024} MiB.`)
  if (Number(response.headers['content-length'] ?? 0) > LIMITS.attachmentBytes) {
    response.discard()
    throw tooLarge()
  }
  let data: Buffer
  try {
    const read = await response.readBytes(LIMITS.attachmentBytes + 1)
    if (read.data.byteLength > LIMITS.attachmentBytes) throw tooLarge()
    data = read.data
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw new ApiError(400, 'image_unavailable', `${name}: ${describeNetworkFailure(error, url.host)}.`)
  }
  try {
    checkAttachment(type, data)
  } catch (error) {
    if (error instanceof ApiError) throw new ApiError(error.status, error.code, `${name}: ${error.message}`, error.details, error.headers)
    throw error
  }
  const last = url.pathname.split('/').pop() ?? ''
  return { filename: safeFilename(decodeSegment(last), 'image'), contentType: type, data: new Uint8Array(data) }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
