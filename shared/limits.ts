/**
 * Sizes, lengths, header names and defaults of the host. What the visitor's widget needs too lives
 * in `visitor-limits.ts`: the widget imports only that file, so a new host limit here leaves the
 * frozen widget builds' bytes alone.
 */
import { VISITOR_LIMITS } from './visitor-limits.ts'

export { ATTACHMENT_TYPES } from './visitor-limits.ts'

export const LIMITS = {
  ...VISITOR_LIMITS,
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
  maxTurns: 50,
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

/** Session ids and request ids: letters, digits and `._:-`. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]+$/

export const HEADERS = {
  lastEventId: 'Last-Event-ID',
  /** A signed visitor identity token (a JWT, HS256), sent by the widget or the site's server. */
  userToken: 'X-Porch-User-Token',
} as const

/** Signed visitor identity: what a user token may say and how long it may live (docs/protocol.md). */
export const IDENTITY = {
  /** Characters in a whole token. */
  tokenChars: 8_192,
  /** A token may not expire later than this after now (plus the clock skew): sign short-lived tokens and rotate them. */
  maxLifetimeSeconds: 24 * 60 * 60,
  /** How far the signer's clock may be off for `exp`, `nbf` and `iat`. */
  clockSkewSeconds: 60,
  subChars: 256,
  nameChars: 200,
  emailChars: 320,
  /** Keys in `attributes`, characters in one key and in one string value. */
  attributes: 20,
  attributeKeyChars: 64,
  attributeValueChars: 500,
} as const

export const DEFAULTS = {
  maxTurns: 8,
  temperature: 0.7,
  /** Seconds between `: ping` comments on an open SSE stream. */
  heartbeatSeconds: 15,
  /** Share of the context window at which older turns are summarised. */
  compressAt: 0.8,
} as const
