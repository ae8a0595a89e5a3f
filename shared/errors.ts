/**
 * Every `code` the API can answer with. Error bodies are `{error: {code, message, details?}}`
 * (ErrorBodySchema in protocol.ts); the OpenAI-compatible API puts the same codes (and two of
 * its own) in OpenAI's `{error: {message, type, param, code}}`; a failed run names its reason in
 * the stream's `error` event and in the compat APIs' 502 bodies. Clients compare `error.code`
 * against this union, so a misspelt code is a compile error. shared/errors.test.ts reads the
 * host's sources and fails when the host answers a code that is missing here, or when a code
 * here is answered nowhere.
 */
export const API_ERROR_CODES = [
  // ------------------------------------------------ the request itself
  'bad_request',
  'invalid_request',
  'invalid_json',
  'invalid_encoding',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  // ------------------------------------------------ who may ask
  'unauthorized',
  'forbidden',
  'csrf_failed',
  'browser_origin_refused',
  'origin_not_allowed',
  'link_only',
  'link_expired',
  'password_required',
  'wrong_password',
  'no_password',
  'rate_limited',
  'quota_exceeded',
  /** The visitor's user token (signed visitor identity) is malformed, expired, tampered with or not signed with the agent's identity secret. */
  'invalid_identity',
  /** The agent requires a signed visitor identity and the request carried no user token. */
  'identity_required',
  // ------------------------------------------------ chatting
  'wrong_mode',
  'request_id_conflict',
  'run_gone',
  'attachments_disabled',
  'unknown_attachment',
  'unsupported_attachment',
  'session_attachment_budget_exceeded',
  'agent_attachment_budget_exceeded',
  /** An image named by URL (Auto Agents `images`) could not be fetched: refused address, HTTP error, network failure. */
  'image_unavailable',
  // ------------------------------------------------ owning: publishing and tools
  'nothing_to_publish',
  'draft_changed',
  'mode_locked',
  'model_unavailable',
  'mcp_unavailable',
  /** An agent holds as many knowledge sources as it may; deleting one makes room. */
  'knowledge_source_limit',
  /** Only web sources (`url`, `sitemap`) can be refreshed; files and texts cannot. */
  'not_refreshable',
  /** The knowledge source is being read now; refresh it once it is done. */
  'already_importing',
  // ------------------------------------------------ why a run failed (stream `error` event, compat 502)
  'run_failed',
  'model_error',
  'model_rate_limited',
  'model_timeout',
  'storage_error',
  'cancelled',
  // ------------------------------------------------ human takeover
  /** Another person holds the session; they hand it back first. */
  'taken_over',
  /** Nobody holds the session: a person's message or a hand-back needs a takeover first. */
  'not_taken_over',
  // ------------------------------------------------ the OpenAI-compatible API's own
  'model_not_found',
  'invalid_api_key',
  'rate_limit_exceeded',
  // ------------------------------------------------ the host itself
  'shutting_down',
  /** A part the host shares with other hosts (Redis, in the shared mode) cannot be reached; Retry-After says when to try again. */
  'temporarily_unavailable',
  'internal',
] as const

export type ApiErrorCode = (typeof API_ERROR_CODES)[number]
