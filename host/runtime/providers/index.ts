/**
 * Model providers: model references (`demo`, `openai:*`, `anthropic:*`) resolved to AI SDK
 * models (models.ts), the built-in demo model (demo-model.ts), and the keep-alive fetch the
 * providers get (provider-fetch.ts).
 */
export { createModelRegistry, knownProvider, MODEL_SUGGESTIONS, type ModelRegistry, ModelUnavailableError, PROVIDERS, type ProviderName } from './models.ts'
