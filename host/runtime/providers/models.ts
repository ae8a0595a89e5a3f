/**
 * Turns an agent's `provider:model-id` into an AI SDK language model. Providers are built once
 * from the host's config; a provider that is not configured is reported, never guessed.
 */
import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import type { LanguageModel } from 'ai'
import type { ProviderConfig } from '../../config.ts'
import { withFastChatStream } from '../../fast-paths/openai-chat-stream.ts'
import { createDemoModel } from './demo-model.ts'
import { providerFetch, rawBodyTransport } from './provider-fetch.ts'

export const PROVIDERS = ['demo', 'openai', 'anthropic'] as const
export type ProviderName = (typeof PROVIDERS)[number]

/** Model ids to offer owners (the console's picker, Langdock's `/agent/v1/models`); any `provider:model-id` works. */
export const MODEL_SUGGESTIONS = [
  'demo',
  'demo:instant',
  'openai:gpt-4o-mini',
  'openai:gpt-4o',
  'openai:gpt-4.1-mini',
  'anthropic:claude-sonnet-4-5',
  'anthropic:claude-haiku-4-5',
]

export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError'
}

export type ModelRegistry = {
  /** Providers that can serve a request on this host right now. */
  configured(): ProviderName[]
  /** Why `ref` cannot run here, or null when it can. */
  problem(ref: string): string | null
  resolve(ref: string): LanguageModel
}

export function createModelRegistry(config: ProviderConfig): ModelRegistry {
  // Local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) need no key, but the SDK insists on one.
  const openai = config.openai && createOpenAI({ baseURL: config.openai.baseURL, apiKey: config.openai.apiKey ?? 'unused', fetch: providerFetch })
  const anthropic =
    config.anthropic && createAnthropic({ baseURL: config.anthropic.baseURL, apiKey: config.anthropic.apiKey ?? 'unused', fetch: providerFetch })

  const configured = (): ProviderName[] => PROVIDERS.filter((name) => name === 'demo' || config[name] !== undefined)

  const split = (ref: string) => {
    const colon = ref.indexOf(':')
    return colon === -1 ? { provider: ref, modelId: '' } : { provider: ref.slice(0, colon), modelId: ref.slice(colon + 1) }
  }

  const problem = (ref: string): string | null => {
    const { provider, modelId } = split(ref)
    if (!(PROVIDERS as readonly string[]).includes(provider)) return `unknown model provider "${provider}" (known: ${PROVIDERS.join(', ')})`
    if (provider === 'demo') return modelId === '' || modelId === 'instant' ? null : 'the demo model is "demo" or "demo:instant"'
    if (modelId === '') return `name a model after the provider, as in ${provider}:model-id`
    if (!configured().includes(provider as ProviderName)) {
      const variable = provider === 'openai' ? 'OPENAI_API_KEY or OPENAI_BASE_URL' : 'ANTHROPIC_API_KEY'
      return `provider "${provider}" is not configured on this host (set ${variable})`
    }
    return null
  }

  return {
    configured,
    problem,
    resolve(ref) {
      const reason = problem(ref)
      if (reason) throw new ModelUnavailableError(reason)
      const { provider, modelId } = split(ref)
      // Streams are read by the fast path (one parser over the node:http response); all else is the SDK's.
      if (provider === 'openai') return withFastChatStream(openai!.chat(modelId), rawBodyTransport)
      if (provider === 'anthropic') return anthropic!(modelId)
      return createDemoModel(modelId || undefined)
    },
  }
}

/** Whether `ref` names a provider Porch knows, configured here or not (for validating drafts). */
export function knownProvider(ref: string): boolean {
  const provider = ref.split(':', 1)[0] ?? ''
  return (PROVIDERS as readonly string[]).includes(provider)
}
