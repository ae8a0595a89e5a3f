/**
 * The parts of `@ai-sdk/openai` that openai-chat-stream.ts reuses but the package does not
 * export, reached in one place so an upgrade that moves them fails here, loudly, and in
 * openai-chat-stream.test.ts (which compares every request and stream with the SDK's own).
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { LanguageModelV3, LanguageModelV3CallOptions, SharedV3Warning } from '@ai-sdk/provider'

/**
 * The `@ai-sdk/provider-utils` that `@ai-sdk/openai` itself runs on. npm nests a copy of its own
 * under `@ai-sdk/openai` when `ai` pins another version, and its `VERSION` goes into the
 * request's User-Agent: importing the top-level copy would change the request's bytes.
 */
async function openaiProviderUtils(): Promise<typeof import('@ai-sdk/provider-utils')> {
  const fromOpenAI = createRequire(createRequire(import.meta.url).resolve('@ai-sdk/openai'))
  const manifest = fromOpenAI.resolve('@ai-sdk/provider-utils/package.json')
  const entry = (fromOpenAI(manifest) as { exports: { '.': { import: string } } }).exports['.'].import
  return import(pathToFileURL(join(dirname(manifest), entry)).href)
}

export const providerUtils = await openaiProviderUtils()

/** What `OpenAIChatLanguageModel` keeps to itself (node_modules/@ai-sdk/openai/dist/index.mjs). */
type OpenAIChatInternals = {
  getArgs(options: LanguageModelV3CallOptions): Promise<{ args: Record<string, unknown>; warnings: SharedV3Warning[] }>
  config: {
    provider: string
    url(options: { path: string; modelId: string }): string
    headers(): Record<string, string | undefined>
    fetch?: typeof fetch
  }
}

export type ChatStreamRequest = {
  url: string
  headers: Record<string, string | undefined>
  body: Record<string, unknown>
  warnings: SharedV3Warning[]
  fetch: typeof fetch | undefined
}

/**
 * The request `OpenAIChatLanguageModel.doStream` sends, built by the model's own `getArgs` and
 * config exactly as doStream builds it (the body gains `stream` and `stream_options`), so the
 * body, URL and headers are the SDK's to the byte. Not in the SDK's public types.
 */
export async function chatStreamRequest(model: LanguageModelV3, options: LanguageModelV3CallOptions): Promise<ChatStreamRequest> {
  const internals = model as unknown as Partial<OpenAIChatInternals>
  if (typeof internals.getArgs !== 'function' || typeof internals.config?.url !== 'function' || typeof internals.config.headers !== 'function')
    throw new Error('@ai-sdk/openai no longer has OpenAIChatLanguageModel.getArgs/config: update host/fast-paths/openai-sdk.ts')
  const { args, warnings } = await internals.getArgs.call(model, options)
  return {
    url: internals.config.url({ path: '/chat/completions', modelId: model.modelId }),
    headers: providerUtils.combineHeaders(internals.config.headers(), options.headers),
    body: { ...args, stream: true, stream_options: { include_usage: true } },
    warnings,
    fetch: internals.config.fetch,
  }
}
