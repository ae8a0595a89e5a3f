/**
 * Folds what the model does, turn by turn, into two things at once: the events the visitor
 * sees (handed to `emit` as they happen) and the messages to store (Anthropic content blocks).
 * Both drivers of the agent loop, streaming and one-reply, feed it the same calls.
 */
import type { ContentBlock, Message, OutputFileBlock, StreamEvent, ToolResultBlock } from '../../../shared/index.ts'
import type { ToolCallTrace } from '../../store/store.ts'

/** Events the loop itself produces; run_started, complete and trace_saved belong to the caller. */
export type TurnEvent = Extract<StreamEvent, { event_type: 'turn_start' | 'text_delta' | 'tool_call' | 'tool_result' | 'output_file' }>

export type ProducedMessage = { role: Message['role']; content: ContentBlock[] }

export class TurnRecorder {
  readonly produced: ProducedMessage[] = []
  readonly toolCalls: ToolCallTrace[] = []
  turn = 0
  inputTokens = 0
  outputTokens = 0
  firstTokenMs: number | null = null
  /** The text of the last turn that had any: the run's answer. */
  answer = ''

  private readonly startedAt = performance.now()
  private readonly toolStarts = new Map<string, number>()
  private blocks: ContentBlock[] = []
  private results: (ToolResultBlock | OutputFileBlock)[] = []
  private turnText = ''

  constructor(
    private readonly emit: (event: TurnEvent) => void,
    private readonly maxTurns: number,
  ) {}

  startTurn(): void {
    this.turn += 1
    this.emit({ event_type: 'turn_start', turn: this.turn, max_turns: this.maxTurns })
  }

  text(text: string): void {
    if (text === '') return
    this.firstTokenMs ??= elapsed(this.startedAt)
    const last = this.blocks.at(-1)
    if (last?.type === 'text') last.text += text
    else this.blocks.push({ type: 'text', text })
    this.turnText += text
    this.emit({ event_type: 'text_delta', turn: this.turn, text })
  }

  toolCall(id: string, name: string, input: unknown): void {
    this.toolStarts.set(id, performance.now())
    this.blocks.push({ type: 'tool_use', id, name, input })
    this.emit({ event_type: 'tool_call', turn: this.turn, tool_call_id: id, tool_name: name, tool_input: input })
  }

  toolResult(id: string, name: string, input: unknown, result: string, isError: boolean): void {
    this.results.push({ type: 'tool_result', tool_use_id: id, content: result, ...(isError && { is_error: true }) })
    const started = this.toolStarts.get(id)
    this.toolCalls.push({ tool_call_id: id, tool_name: name, turn: this.turn, is_error: isError, duration_ms: started === undefined ? null : elapsed(started) })
    this.emit({ event_type: 'tool_result', turn: this.turn, tool_call_id: id, tool_name: name, tool_input: input, tool_result: result, is_error: isError })
  }

  /** A tool handed the visitor a file: it is kept beside the tool results, and announced when it can be downloaded. */
  outputFile(file: { fileId: string; filename: string; size: number; contentType: string }, downloadUrl: string | null): void {
    this.results.push({ type: 'output_file', file_id: file.fileId, filename: file.filename, size: file.size, content_type: file.contentType })
    if (downloadUrl === null) return
    this.emit({
      event_type: 'output_file',
      turn: this.turn,
      file_id: file.fileId,
      filename: file.filename,
      size: file.size,
      content_type: file.contentType,
      download_url: downloadUrl,
    })
  }

  usage(input: number | undefined, output: number | undefined): void {
    this.inputTokens += input ?? 0
    this.outputTokens += output ?? 0
  }

  /** Closes the turn: its assistant message, then the tool results as the next user message. */
  endTurn(): void {
    if (this.blocks.length > 0) this.produced.push({ role: 'assistant', content: this.blocks })
    if (this.results.length > 0) this.produced.push({ role: 'user', content: this.results })
    if (this.turnText !== '') this.answer = this.turnText
    this.blocks = []
    this.results = []
    this.turnText = ''
  }
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 100) / 100
