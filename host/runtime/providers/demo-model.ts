/**
 * `demo`: Porch's built-in offline model. No network, deterministic, and every reply says it
 * is a demo. It streams markdown, calls the `current_time` tool when asked for the time and
 * `create_file` when asked for a file, `search_knowledge` when the agent has knowledge and the
 * visitor asks a question (then quotes the best passage with its number), and names the files a visitor attaches, so every part
 * of the product can be seen without an API key. `demo:instant` streams without
 * pauses (benchmarks, tests); `demo` paces its words like a real model.
 */
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Prompt, LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider'

const DEMO_LABEL = '*(Demo model: Porch’s built-in offline stand-in, not an AI.)*'

export function createDemoModel(variant: string | undefined): LanguageModelV3 {
  const pauseMs = variant === 'instant' ? 0 : 12
  return {
    specificationVersion: 'v3',
    provider: 'demo',
    modelId: variant ? `demo:${variant}` : 'demo',
    supportedUrls: {},
    async doGenerate(options) {
      const reply = planReply(options)
      return {
        content: reply.toolCall ? [reply.toolCall] : [{ type: 'text', text: reply.text }],
        finishReason: { unified: reply.toolCall ? 'tool-calls' : 'stop', raw: undefined },
        usage: usageOf(options.prompt, reply.text),
        warnings: [],
      }
    },
    async doStream(options) {
      const reply = planReply(options)
      const signal = options.abortSignal
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] })
          if (reply.text) {
            controller.enqueue({ type: 'text-start', id: 't0' })
            for (const word of reply.text.match(/\S*\s*/g) ?? []) {
              if (!word) continue
              if (pauseMs > 0) await sleep(pauseMs, signal)
              if (signal?.aborted) {
                controller.error(signal.reason ?? new DOMException('Aborted', 'AbortError'))
                return
              }
              controller.enqueue({ type: 'text-delta', id: 't0', delta: word })
            }
            controller.enqueue({ type: 'text-end', id: 't0' })
          }
          if (reply.toolCall) controller.enqueue(reply.toolCall)
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: reply.toolCall ? 'tool-calls' : 'stop', raw: undefined },
            usage: usageOf(options.prompt, reply.text),
          })
          controller.close()
        },
      })
      return { stream }
    },
  }
}

type PlannedReply = {
  text: string
  toolCall?: { type: 'tool-call'; toolCallId: string; toolName: string; input: string }
}

function planReply(options: LanguageModelV3CallOptions): PlannedReply {
  const prompt = options.prompt
  const last = prompt.at(-1)
  if (last?.role === 'tool') {
    const result = last.content.find((part) => part.type === 'tool-result')
    const output = result?.output
    const value = output && 'value' in output ? String(typeof output.value === 'string' ? output.value : JSON.stringify(output.value)) : ''
    if (result?.toolName === 'search_knowledge') return { text: `${DEMO_LABEL}\n\n${knowledgeReply(value)}` }
    return { text: `${DEMO_LABEL}\n\nThe \`${result?.toolName ?? 'tool'}\` tool answered: **${value}**.` }
  }

  const question = lastUserText(prompt)
  const has = (name: string) => options.tools?.some((tool) => tool.name === name) ?? false
  const turn = prompt.filter((message) => message.role === 'user').length
  if (has('current_time') && /\b(time|date|day|clock)\b/i.test(question)) {
    return {
      text: 'Let me check the clock.',
      toolCall: { type: 'tool-call', toolCallId: `demo-call-${turn}`, toolName: 'current_time', input: '{}' },
    }
  }
  if (has('create_file') && /\b(file|csv|download|export)\b/i.test(question)) {
    const content = 'question,answered_by\n"' + question.replace(/"/g, '""').slice(0, 200) + '",Porch demo model\n'
    return {
      text: 'Here is a file for you.',
      toolCall: {
        type: 'tool-call',
        toolCallId: `demo-call-${turn}`,
        toolName: 'create_file',
        input: JSON.stringify({ filename: 'demo.csv', content_type: 'text/csv', content }),
      },
    }
  }

  if (has('search_knowledge') && isQuestion(question)) {
    return {
      text: 'Let me look that up in the documents.',
      toolCall: { type: 'tool-call', toolCallId: `demo-call-${turn}`, toolName: 'search_knowledge', input: JSON.stringify({ query: question.slice(0, 200) }) },
    }
  }

  const earlier = prompt.filter((message) => message.role === 'user').length - 1
  const quote = question
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')
  const attached = attachmentsOf(prompt.at(-1))
  return {
    text: [
      DEMO_LABEL,
      '',
      'You wrote:',
      '',
      quote,
      '',
      ...(attached.length > 0 ? [`You attached ${attached.join(' and ')}.`, ''] : []),
      `You asked **${earlier}** earlier question${earlier === 1 ? '' : 's'} in this session: the host keeps the session's memory.`,
      '',
      'Replies are **markdown**, streamed word by word:',
      '',
      '- a list, `inline code` and a [link](https://example.com)',
      has('current_time') ? '- ask *what time is it?* to see a tool call' : '- give this agent the `current_time` tool to see tool calls',
      ...(has('create_file') ? ['- ask for *a CSV file* to get a download'] : []),
      '',
      '```js',
      "console.log('hello from Porch')",
      '```',
      '',
      'Set `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` and pick a real model to get real answers.',
    ].join('\n'),
  }
}

const isQuestion = (text: string) => /\?\s*$/.test(text) || /^\s*(who|what|when|where|why|how|which|can|do|does|is|are)\b/i.test(text)

/** The best passage of a knowledge search (the tool's `[n] title` blocks), quoted with its number. */
function knowledgeReply(result: string): string {
  const best = /^\[(\d+)\] (.*)\n(?:URL: .*\n)?([\s\S]*?)(?:\n\n\[\d+\] |$)/.exec(result)
  if (!best) return 'The documents do not seem to cover that.'
  const [, index, heading, text] = best
  const excerpt = text!.length > 400 ? `${text!.slice(0, 400)}…` : text!
  return [`The documents say, in *${heading}* [${index}]:`, '', ...excerpt.split('\n').map((line) => `> ${line}`)].join('\n')
}

/** The visitor's own words: the first text part of their last message (attached text files follow it). */
function lastUserText(prompt: LanguageModelV3Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!
    if (message.role !== 'user') continue
    return message.content.find((part) => part.type === 'text')?.text ?? ''
  }
  return ''
}

/** What the visitor attached to a message: images as files, text files as their quoted text. */
function attachmentsOf(message: LanguageModelV3Prompt[number] | undefined): string[] {
  if (message?.role !== 'user') return []
  const names: string[] = []
  for (const [index, part] of message.content.entries()) {
    if (part.type === 'file') names.push(`an image (${part.mediaType})`)
    else if (index > 0) {
      const name = /^The visitor attached the file "([^"]*)"/.exec(part.text)?.[1]
      if (name !== undefined) names.push(`the text file **${name}** (${part.text.length} characters)`)
    }
  }
  return names
}

/** A rough count (four characters a token), enough to make the usage numbers move. */
function usageOf(prompt: LanguageModelV3Prompt, output: string): LanguageModelV3Usage {
  const inputChars = JSON.stringify(prompt).length
  const input = Math.ceil(inputChars / 4)
  const outputTokens = Math.ceil(output.length / 4)
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
