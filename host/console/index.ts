/**
 * The owner console, host side: the HTML shell and its built files, the preview page, cookie
 * sign-in, and the console-only API (models, try-it). Schemas: shared/console.ts.
 *
 * Pages (all with CSP `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';
 * img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none';
 * form-action 'self'`, `Cache-Control: no-store`, `Referrer-Policy: no-referrer`):
 *   GET /console, /console/, /console/<any path>   the shell: <porch-console> + /console/assets/console.js
 *   GET /console/assets/:file                      dist/console files (`Cache-Control: no-cache` + ETag)
 *   GET /console/preview?agent=|link=&mode=&position=&color=&title=&theme=&lang=&open=
 *       a page with the embed <script> exactly as the snippet has it (frame-ancestors 'self', so
 *       only the console may frame it). PreviewQuerySchema; anything else → 400 JSON error.
 *
 * Sign-in (no bearer; cookie `porch_console`, HttpOnly, SameSite=Strict, Path=/, Max-Age=43200,
 * Secure when PORCH_PUBLIC_URL is https; only its SHA-256 is stored, in SQLite, with expiry):
 *   POST   /api/v1/console/session {token} → 200 ConsoleSession | 401 unauthorized | 429 rate_limited + Retry-After
 *   GET    /api/v1/console/session         → 200 ConsoleSession | 401
 *   DELETE /api/v1/console/session         → 204 (needs CSRF), cookie cleared, session deleted
 *   ConsoleSession = {role, agent_ids: string[]|null, name, csrf_token, expires_at}
 *
 * Every owner API route accepts the cookie instead of a bearer. With the cookie, a request
 * other than GET/HEAD needs `X-CSRF-Token` = csrf_token and must be same-origin
 * (`Sec-Fetch-Site: same-origin`, or no Sec-Fetch-Site and an Origin equal to the host's own),
 * else 403 `csrf_failed`. Roles: viewer reads; editor also changes agents, links, keys, publishes
 * and tries; owner also manages owner keys. A deleted owner key ends its sessions at once (401).
 *
 * Console API (cookie or bearer):
 *   GET  /api/v1/models                        → ModelsReply {providers:[{id, configured}], suggestions}
 *   POST /api/v1/agents/{id}/try               (editor) TryRequest → SSE of the DRAFT, scope `try`;
 *        trace version 0 = the draft; no quota, no visitor rate limit; resume with the same
 *        request_id + Last-Event-ID as the public API.
 *   POST /api/v1/agents/{id}/try/stop {request_id} → 204 | 404
 *   GET  /api/v1/agents/{id}/sessions?scope=&link_id=&from=&to=&cursor=&limit=&before=
 *        → SessionList {sessions: SessionSummary[], next_cursor, next_before}
 *        (default: every scope but `try`; scope=try: try-it sessions)
 *   GET  /api/v1/agents/{id}/sessions/{sid}?scope=   → SessionTranscript (messages + traces)
 *   GET  /api/v1/traces?agent_id=&link_id=&session_id=&scope=&status=&from=&to=&cursor=&limit=&before=
 *        → TraceList {traces: TraceSummary[], next_cursor, next_before}
 * The rest of the owner API (agents, publish, versions, links, keys, owner keys) is unchanged:
 * see README "The HTTP API" and shared/owner.ts; listings are described in shared/console.ts.
 */

export { type ConsoleApiDeps, consoleApiRoutes, consoleSignInRoutes } from './api.ts'
export { type ConsoleRoutesDeps, consoleCsp, consoleRoutes } from './routes.ts'
