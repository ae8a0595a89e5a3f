/**
 * The request body the Vercel AI SDK's `DefaultChatTransport` (`useChat`) POSTs to a UI chat
 * endpoint (`…/ui-chat`). Lenient like the SDK itself: fields Porch does not use (metadata,
 * extra `body` fields, other part types) are accepted and ignored. Porch keeps the history
 * server-side, so only the last user message is read (its text and file parts).
 */
import { z } from 'zod'
import { LIMITS } from './limits.ts'
import { ClientIdSchema } from './protocol.ts'

export const UiMessagePartSchema = z.object({
  type: z.string().max(100),
  text: z.string().optional(),
  /** A file part: a `data:` URL, or the `file_id` of an attachment uploaded to this session. */
  url: z.string().optional(),
  mediaType: z.string().max(255).optional(),
  filename: z.string().max(LIMITS.filenameChars).optional(),
})
export type UiMessagePart = z.infer<typeof UiMessagePartSchema>

/**
 * A UI message as the SDK sends it. Only the last one is read, and its parts are checked then
 * (`UiMessagePartSchema`); earlier ones (the SDK resends the whole chat) pass with any parts.
 */
export const UiMessageSchema = z.object({
  id: z.string().optional(),
  role: z.string(),
  parts: z.array(z.looseObject({ type: z.string() })).max(1_000),
})

export const UiChatRequestSchema = z.object({
  /** The chat id: Porch's session id. */
  id: ClientIdSchema,
  messages: z.array(UiMessageSchema).max(10_000),
  /** `regenerate-message` answers the session's last user message again, in place of its last answer. */
  trigger: z.enum(['submit-message', 'regenerate-message']).default('submit-message'),
  messageId: z.string().max(LIMITS.idChars).optional(),
})
export type UiChatRequest = z.infer<typeof UiChatRequestSchema>
