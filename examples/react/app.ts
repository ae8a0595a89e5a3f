/**
 * A tiny React app that renders <porch-chat> as any other element and listens to its events.
 * React passes attributes to custom elements, and its events bubble out of the shadow root.
 */
import { createElement as h, useEffect, useRef, useState } from 'react'
import { createRoot } from 'react-dom/client'

function App({ host, agent }: { host: string; agent: string }) {
  const chat = useRef<HTMLElement>(null)
  const [answers, setAnswers] = useState(0)
  useEffect(() => {
    const element = chat.current
    const onAnswer = () => setAnswers((n) => n + 1)
    element?.addEventListener('porch-answer', onAnswer)
    return () => element?.removeEventListener('porch-answer', onAnswer)
  }, [])
  return h(
    'main',
    null,
    h('h1', null, 'Porch in a React app'),
    h('p', { id: 'answers' }, `Answers so far: ${answers}`),
    h('div', { className: 'chat-box' }, h('porch-chat', { ref: chat, mode: 'inline', host, agent })),
    h('p', null, h('a', { href: '/' }, 'All examples')),
  )
}

const root = document.getElementById('root')!
createRoot(root).render(h(App, { host: root.dataset.porchUrl ?? '', agent: root.dataset.agent ?? '' }))
