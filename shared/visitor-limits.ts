/**
 * The limits the visitor's widget checks before it sends (the host checks them again). Kept apart
 * from `limits.ts` so the widget bundles only these: a frozen widget release must not change
 * when a host-only limit is added.
 */
export const VISITOR_LIMITS = {
  /** A visitor's comment on an answer they rated. */
  feedbackCommentChars: 2_000,
  /** Bytes in one file a visitor attaches to a message. */
  attachmentBytes: 4 * 1024 * 1024,
  /** Files on one visitor message. */
  attachmentsPerMessage: 4,
} as const

/**
 * What visitors may attach: images (sent to the model as images) and text files (sent as
 * text). The host checks the bytes, not only the declared type.
 */
export const ATTACHMENT_TYPES = {
  images: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'],
  text: ['text/plain', 'text/markdown', 'text/csv', 'application/json'],
} as const
