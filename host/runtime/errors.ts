/**
 * Why the chat runtime refuses a message: the runtime's own error catalogue. The runtime knows
 * nothing of HTTP; host/http/errors.ts (`toApiError`) is the one place that gives each code its
 * status and the single error body. The messages are the ones the API sends, but for
 * `shutting_down`, which gets the host's one shutdown answer.
 */

/** Every way `ChatService.open` refuses a message, by the code the API answers with. */
export type ChatErrorCode =
  /** The message names attachments, and the agent takes none. */
  | 'attachments_disabled'
  /** The message names attachments but no session to find them in. */
  | 'invalid_request'
  /** A named attachment is not an upload of this session (or was swept since). */
  | 'unknown_attachment'
  /** The request_id belongs to a run of a different message. */
  | 'request_id_conflict'
  /** The client resumes (Last-Event-ID) a run that is no longer buffered. */
  | 'run_gone'
  /** The session belongs to another verified user (or to none, or the visitor is anonymous and it has one). */
  | 'not_found'
  /** The host is shutting down: no new run starts. */
  | 'shutting_down'
  /** What the host shares with other hosts (Redis) cannot be reached: no run can be registered or found. */
  | 'temporarily_unavailable'

export class ChatError extends Error {
  override name = 'ChatError'
  constructor(
    readonly code: ChatErrorCode,
    message: string,
  ) {
    super(message)
  }
}
