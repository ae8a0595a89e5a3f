/**
 * An agent's stored config (its JSON text) as both stores hand it out.
 */
import { type AgentConfig, AgentConfigSchema } from '../../shared/index.ts'

/**
 * Parses stored config through the current schema, so fields added later get their defaults.
 * Every chat reads its agent's row and version afresh (so an unpublish or a new version is seen
 * at once), but the same JSON text always parses to the same config: parses are remembered by
 * that text, and handed out frozen so no caller can change what the next one gets.
 */
const parsedConfigs = new Map<string, AgentConfig>()
const PARSED_CONFIGS_KEPT = 1_000

export function parseConfig(json: string): AgentConfig {
  let config = parsedConfigs.get(json)
  if (!config) {
    config = deepFreeze(AgentConfigSchema.parse(JSON.parse(json)))
    if (parsedConfigs.size >= PARSED_CONFIGS_KEPT) parsedConfigs.delete(parsedConfigs.keys().next().value!)
    parsedConfigs.set(json, config)
  }
  return config
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
