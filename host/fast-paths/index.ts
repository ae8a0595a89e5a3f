/**
 * Library internals Porch re-implements for speed. Each one replaces a library's own path with
 * a shorter one that must behave the same, so each has a test that runs the library's own path
 * beside ours: when an upgrade of the library changes what its path does, that test fails
 * instead of Porch silently drifting from it. Measurements are in BENCHMARKS.md.
 *
 * | module | replaces | why (BENCHMARKS.md) | compared in |
 * |---|---|---|---|
 * | provider-prompt.ts | the AI SDK's `streamText`/`generateText` prompt and tool conversion (`convertToLanguageModelPrompt`, `prepareToolsAndToolChoice`): the agent loop calls the provider model's `doStream`/`doGenerate` itself | 5,000 open SSE chats: host RSS 1,721 MB → 867 MB (249 KB → 42 KB of heap per stream); host CPU per SSE chat 8.0–18.5 ms → 2.2–3.5 ms (issue 7) | provider-prompt.test.ts: the SDK's own calls on a recording `MockLanguageModelV3` |
 * | openai-chat-stream.ts (with openai-sdk.ts) | `@ai-sdk/openai`'s chat `doStream` read path: the provider's SSE body goes through one `eventsource-parser` over the `node:http` response into one ReadableStream of parts, instead of a web Response and ~16 web streams (text decoder, SSE parser, JSON validation, a tee, the part transform); the request is still built by the model's `getArgs` and sent by the SDK's `postJsonToApi` | 10,000 open SSE chats: 95.0 → 65.7 kB per stream, 1,124 MB → 837 MB (issue 19) | openai-chat-stream.test.ts: recorded SSE bodies replayed by a server on 127.0.0.1 through both, parts, errors and requests equal |
 * | sse.ts | `@hono/node-server`'s response path for streams: SSE is written straight to the Node response (`c.env.outgoing`) and the handler returns `RESPONSE_ALREADY_SENT`; one socket write per event-loop turn | overhead to first token 6.85 ms → 4.61 ms; host CPU per SSE chat 19.0–22.6 ms → 14.7–15.7 ms | node-server.test.ts (a real server), sse.test.ts |
 * | body-limit.ts | Hono's `bodyLimit`, which asks for the body stream first and so makes `@hono/node-server` build a full web Request: a declared Content-Length is judged by its header | host instructions per streamed chat 10.4 M → 9.3 M | node-server.test.ts (both middlewares, same requests), body-limit.test.ts |
 * | zod-without-cycles.ts | zod's cycle memoizer, which re-walked the AI SDK's message schema on every parse of a fresh schema | 14.8% of a `generateText` loop, ~15% of a sync chat → gone | zod-without-cycles.test.ts: the same parses with and without it |
 *
 * Each module keeps its own place in the layers: provider-prompt.ts serves runtime/agent and
 * imports only the AI SDK; openai-chat-stream.ts serves runtime/providers, which hands it the
 * `node:http` transport (provider-fetch.ts); sse.ts and body-limit.ts are HTTP plumbing for routes and app.ts;
 * zod-without-cycles.ts is imported for its effect by server.ts, before any schema parses.
 */

export { type BodyLimitOptions, bodyLimit } from './body-limit.ts'
export { type RawBodyTransport, streamChat, withFastChatStream } from './openai-chat-stream.ts'
export { providerTools, schemaOf, toProviderPrompt } from './provider-prompt.ts'
export { porchEvents, runToSse, SSE_HEADERS, type SseFormat, type SseOptions } from './sse.ts'
