/** Sizes, lengths, header names and defaults shared by the host and the widget. */

export const LIMITS = {
  /** Characters in one visitor message. */
  requestChars: 32_000,
  /** Characters in a session id or request id. */
  idChars: 128,
  /** Bytes in any JSON request body. */
  bodyBytes: 256 * 1024,
  /** Characters in a version's change description. */
  versionDescriptionChars: 100,
  agentNameChars: 200,
  agentDescriptionChars: 2_000,
  instructionsChars: 100_000,
  welcomeMessageChars: 2_000,
  starters: 8,
  starterChars: 200,
  /** A visitor's comment on an answer they rated. */
  feedbackCommentChars: 2_000,
  maxTurns: 50,
  /** Bytes in one file a visitor attaches to a message. */
  attachmentBytes: 4 * 1024 * 1024,
  /** Files on one visitor message. */
  attachmentsPerMessage: 4,
  /** Bytes in one file a tool hands to the visitor. */
  outputFileBytes: 10 * 1024 * 1024,
  /** Characters in a file name. */
  filenameChars: 200,
  /**
   * Bytes in a UI chat request (`…/ui-chat`, the AI SDK's useChat): its files come inline as
   * base64 `data:` URLs, so room for a message's attachments (4 × 4 MiB, a third more as base64)
   * and the JSON around them.
   */
  uiChatBodyBytes: 24 * 1024 * 1024,
} as const

/**
 * What visitors may attach: images (sent to the model as images) and text files (sent as
 * text). The host checks the bytes, not only the declared type.
 */
export const ATTACHMENT_TYPES = {
  images: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'],
  text: ['text/plain', 'text/markdown', 'text/csv', 'application/json'],
} as const

/** Session ids and request ids: letters, digits and `._:-`. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]+$/

export const HEADERS = {
  lastEventId: 'Last-Event-ID',
} as const

export const DEFAULTS = {
  maxTurns: 8,
  temperature: 0.7,
  /** Seconds between `: ping` comments on an open SSE stream. */
  heartbeatSeconds: 15,
  /** Share of the context window at which older turns are summarised. */
  compressAt: 0.8,
} as const
