/**
 * The Vercel AI SDK's client side at the oldest 5.x (`ai-v5`, npm:ai@5.0.0, which checked
 * chunks strictly) and the newest 6.x (`ai`), behind one small type, so a test runs the same
 * steps against both.
 */
import * as ai6 from 'ai'
import * as ai5 from 'ai-v5'

export type UiMessage = ai6.UIMessage

type Transport = {
  sendMessages(options: {
    chatId: string
    messages: UiMessage[]
    trigger: 'submit-message' | 'regenerate-message'
    messageId: string | undefined
    abortSignal: AbortSignal | undefined
  }): Promise<ReadableStream<unknown>>
  reconnectToStream(options: { chatId: string }): Promise<ReadableStream<unknown> | null>
}

export type AiSdk = {
  version: string
  DefaultChatTransport: new (options: { api: string; headers?: Record<string, string>; fetch?: typeof fetch }) => Transport
  readUIMessageStream(options: { stream: ReadableStream<unknown>; onError?: (error: unknown) => void }): AsyncIterable<unknown>
}

export const AI_SDKS: AiSdk[] = [
  { version: '5.0.0', ...(ai5 as unknown as Omit<AiSdk, 'version'>) },
  { version: '6', ...(ai6 as unknown as Omit<AiSdk, 'version'>) },
]

/** Reads a UI message stream to its end: the last state of the assistant message, and the errors the SDK reported. */
export async function readMessage(sdk: AiSdk, stream: ReadableStream<unknown>): Promise<{ message: UiMessage | undefined; errors: unknown[] }> {
  const errors: unknown[] = []
  let message: UiMessage | undefined
  for await (const update of sdk.readUIMessageStream({ stream, onError: (error) => errors.push(error) })) message = update as UiMessage
  return { message, errors }
}
