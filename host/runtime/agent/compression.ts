/**
 * Context compression: when a session's history nears the model's context window, the older
 * turns are summarised by the same model, and later runs read the summary instead of them.
 * Nothing is deleted: the messages stay stored (the owner sees all of them, the visitor's
 * transcript is unchanged); only what the model is sent gets shorter.
 *
 * Tokens are estimated at four characters each: no tokenizer is shipped for every provider,
 * and the threshold leaves room for the estimate to be off.
 */
import type { LanguageModel } from 'ai'
import type { AgentConfig, ContentBlock, Message } from '../../../shared/index.ts'
import { generateOnce } from './model-call.ts'

/** The usual context windows, for agents that do not set `context_window`. */
const DEFAULT_WINDOWS: Record<string, number> = { openai: 128_000, anthropic: 200_000, demo: 8_000 }
const FALLBACK_WINDOW = 32_000

/**
 * After compressing, the recent turns kept word for word take at most this share of the window,
 * and at most half the threshold, so that compressing always ends well below it.
 */
const KEEP_SHARE = 0.35
/** The summary may take at most this share of the window (and never more than SUMMARY_MAX_TOKENS). */
const SUMMARY_SHARE = 0.15
const SUMMARY_MAX_TOKENS = 2_000
/** Characters of one tool input or result shown to the summariser. */
const TOOL_EXCERPT_CHARS = 1_000

const SUMMARY_INSTRUCTIONS = [
  'You summarise conversations so that an assistant can continue them without the full transcript.',
  'Keep what the visitor wants, every fact they gave (names, numbers, dates, preferences, decisions),',
  'what the assistant answered or did (tool results that matter), and questions still open.',
  'Write it in the language of the conversation, as short as completeness allows.',
  'Do not add anything that was not said. Answer with the summary only.',
].join(' ')

export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return Math.ceil(text.length / 4)
}

export function contextWindowOf(config: AgentConfig): number {
  if (config.context_window !== null) return config.context_window
  return DEFAULT_WINDOWS[config.model.split(':', 1)[0] ?? ''] ?? FALLBACK_WINDOW
}

export type Summary = { text: string; throughSeq: number }

export type Compression = {
  summary: Summary
  /** The estimate that crossed the threshold. */
  previousTokens: number
  contextLimit: number
  inputTokens: number
  outputTokens: number
}

export type CompressInput = {
  model: LanguageModel
  config: AgentConfig
  /** The summary the session already has, if any. */
  summary: Summary | null
  /** The messages after that summary, oldest first. */
  history: (Message & { seq: number })[]
  /** The new visitor message. */
  request: ContentBlock[]
  signal: AbortSignal
  maxRetries?: number
}

/** Summarises the older turns when the next call would near the window; null when it would not. */
export async function compressIfNeeded(input: CompressInput): Promise<Compression | null> {
  const { config, history } = input
  const contextLimit = contextWindowOf(config)
  const previousTokens =
    estimateTokens(config.instructions) +
    estimateTokens(input.summary?.text ?? '') +
    estimateTokens(history.map((m) => m.content)) +
    estimateTokens(input.request)
  if (previousTokens < contextLimit * config.compress_at) return null

  const cut = keptFrom(history, contextLimit * Math.min(KEEP_SHARE, config.compress_at / 2))
  if (cut === 0) return null
  const older = history.slice(0, cut)

  const transcript = keepTail(older.map(describeMessage).join('\n\n'), contextLimit * 3)
  const prompt = [input.summary ? `Summary of the conversation before this part:\n${input.summary.text}\n\n` : '', `Conversation:\n${transcript}`].join('')
  const result = await generateOnce(input.model, {
    system: SUMMARY_INSTRUCTIONS,
    prompt,
    maxOutputTokens: Math.min(SUMMARY_MAX_TOKENS, Math.floor(contextLimit * SUMMARY_SHARE)),
    temperature: 0,
    maxRetries: input.maxRetries ?? 2,
    abortSignal: input.signal,
  })
  return {
    summary: { text: result.text.trim(), throughSeq: older.at(-1)!.seq },
    previousTokens,
    contextLimit,
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
  }
}

/** The system prompt a run sends: the owner's instructions, then the summary of earlier turns. */
export function systemPrompt(instructions: string, summary: Summary | null): string | undefined {
  if (!summary) return instructions || undefined
  const section = `Summary of the earlier conversation with this visitor (older messages are not shown):\n${summary.text}`
  return instructions ? `${instructions}\n\n${section}` : section
}

/**
 * Where the kept part of the history starts: the earliest visitor message from which the rest
 * fits in `budget` tokens, or the last visitor message if even that turn alone does not.
 * It is always a visitor message, so a tool call is never cut from its result.
 */
function keptFrom(history: Message[], budget: number): number {
  let kept = 0
  let start = history.length
  let lastTurnStart = -1
  for (let i = history.length - 1; i >= 0; i--) {
    kept += estimateTokens(history[i]!.content)
    if (!isVisitorMessage(history[i]!)) continue
    if (lastTurnStart === -1) lastTurnStart = i
    if (kept > budget) break
    start = i
  }
  if (start === history.length) return Math.max(lastTurnStart, 0)
  return start
}

const isVisitorMessage = (message: Message) => message.role === 'user' && message.content.some((block) => block.type === 'text')

function describeMessage(message: Message): string {
  return message.content
    .map((block) => {
      switch (block.type) {
        case 'text':
          return `${message.role === 'user' ? 'Visitor' : 'Assistant'}: ${block.text}`
        case 'tool_use':
          return `Assistant called the tool ${block.name} with ${excerpt(JSON.stringify(block.input ?? {}))}`
        case 'tool_result':
          return `${block.is_error ? 'The tool failed' : 'The tool answered'}: ${excerpt(block.content)}`
        case 'attachment':
          return `Visitor attached the file "${block.filename}" (${block.content_type})`
        case 'output_file':
          return `The visitor was handed the file "${block.filename}" (${block.content_type})`
        default:
          return block satisfies never
      }
    })
    .join('\n')
}

const excerpt = (text: string) => (text.length > TOOL_EXCERPT_CHARS ? `${text.slice(0, TOOL_EXCERPT_CHARS)}…` : text)

/** At most `maxChars` of `text`, from its end: the latest turns matter most. */
function keepTail(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `[earlier part omitted]\n${text.slice(text.length - maxChars)}`
}
