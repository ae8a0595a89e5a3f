/**
 * A React chat on the Vercel AI SDK's `useChat`, talking to a Porch agent through its UI chat
 * endpoint with nothing but the SDK's own transport. Porch keeps the conversation, so the chat
 * id (Porch's session id) is kept in sessionStorage: after a reload the same chat resumes its
 * running answer (`resume: true`). Stop aborts the stream and tells Porch to stop the run.
 *
 * <div id="root" data-api="https://porch.example/api/v1/published/AGENT_ID/ui-chat"></div>
 */
import { useChat } from '@ai-sdk/react'
import { DefaultChatTransport, type UIMessage } from 'ai'
import { createElement as h, type ReactNode, useState } from 'react'
import { createRoot } from 'react-dom/client'

function chatIdFor(api: string): string {
  const key = `porch-chat:${api}`
  const known = sessionStorage.getItem(key)
  if (known) return known
  const id = crypto.randomUUID()
  sessionStorage.setItem(key, id)
  return id
}

function Part({ part }: { part: UIMessage['parts'][number] }): ReactNode {
  switch (part.type) {
    case 'text':
      return h('p', { className: 'text' }, part.text)
    case 'dynamic-tool':
      return h('p', { className: 'tool' }, `${part.toolName}: ${part.state}`)
    case 'file':
      return h('a', { className: 'file', href: part.url }, `Download (${part.mediaType})`)
    case 'source-url':
      return h('a', { className: 'source', href: part.url }, part.title ?? part.url)
    case 'source-document':
      return h('span', { className: 'source' }, part.title)
    default:
      return null
  }
}

function App({ api }: { api: string }) {
  const [id] = useState(() => chatIdFor(api))
  const [transport] = useState(() => new DefaultChatTransport({ api }))
  const { messages, sendMessage, status, stop, error } = useChat({ id, transport, resume: true })
  const [input, setInput] = useState('')
  return h(
    'main',
    null,
    h(
      'ol',
      { id: 'messages' },
      messages.map((message) =>
        h(
          'li',
          { key: message.id, 'data-role': message.role },
          message.parts.map((part, i) => h(Part, { key: i, part })),
        ),
      ),
    ),
    h('p', { id: 'status' }, status),
    error ? h('p', { id: 'error', role: 'alert' }, error.message) : null,
    h(
      'form',
      {
        onSubmit: (event: { preventDefault(): void }) => {
          event.preventDefault()
          void sendMessage({ text: input })
          setInput('')
        },
      },
      h('input', { id: 'input', value: input, onChange: (event: { target: { value: string } }) => setInput(event.target.value) }),
      h('button', { type: 'submit' }, 'Send'),
      h(
        'button',
        {
          type: 'button',
          id: 'stop',
          onClick: () => {
            void stop()
            void fetch(`${api}/${encodeURIComponent(id)}/stop`, { method: 'POST' })
          },
        },
        'Stop',
      ),
    ),
  )
}

const root = document.getElementById('root')!
createRoot(root).render(h(App, { api: root.dataset.api ?? '' }))
