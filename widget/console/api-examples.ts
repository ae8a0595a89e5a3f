/**
 * Ready-to-run examples for an agent's HTTP API, filled with its id and the host's public URL:
 * the OpenAI-compatible endpoint with a chat key (curl, Python, JavaScript), and the public
 * chat API when the agent is public. Pure functions; the key stays in an environment variable.
 */
export type ExampleInput = { publicUrl: string; agentId: string; mode: 'streaming' | 'non_streaming'; access: 'public' | 'link' }

export type Example = { id: string; label: string; language: string; code: string }

const KEY_VARIABLE = 'PORCH_KEY'

export function apiExamples({ publicUrl, agentId, mode, access }: ExampleInput): Example[] {
  const base = publicUrl.replace(/\/+$/, '')
  const body = JSON.stringify({ model: agentId, messages: [{ role: 'user', content: 'Hello!' }] })
  const examples: Example[] = [
    {
      id: 'curl',
      label: 'curl',
      language: 'shell',
      code: `export ${KEY_VARIABLE}='key_….SECRET'   # a chat key from this page
curl -sS ${base}/v1/chat/completions \\
  -H "Authorization: Bearer $${KEY_VARIABLE}" \\
  -H 'Content-Type: application/json' \\
  -d '${body}'
# To continue the conversation, send back the X-Porch-Session-Id header of the reply.`,
    },
    {
      id: 'python',
      label: 'Python',
      language: 'python',
      code: `# pip install openai; export ${KEY_VARIABLE}='key_….SECRET'
import os
from openai import OpenAI

client = OpenAI(base_url="${base}/v1", api_key=os.environ["${KEY_VARIABLE}"])
reply = client.chat.completions.create(
    model="${agentId}",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    },
    {
      id: 'javascript',
      label: 'JavaScript',
      language: 'javascript',
      code: `// Node 18+ (save as chat.mjs); export ${KEY_VARIABLE}='key_….SECRET'
const response = await fetch('${base}/v1/chat/completions', {
  method: 'POST',
  headers: { authorization: \`Bearer \${process.env.${KEY_VARIABLE}}\`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: '${agentId}', messages: [{ role: 'user', content: 'Hello!' }] }),
})
if (!response.ok) throw new Error(\`\${response.status} \${await response.text()}\`)
const reply = await response.json()
console.log(reply.choices[0].message.content)
// Continue the conversation: send back response.headers.get('x-porch-session-id') as X-Porch-Session-Id.`,
    },
  ]
  if (access === 'public') {
    const streaming = mode === 'streaming'
    examples.push({
      id: 'public',
      label: `Public API (${streaming ? 'SSE' : 'JSON'}, no key)`,
      language: 'shell',
      code: `curl -sS${streaming ? ' -N' : ''} ${base}/api/v1/published/${agentId}/chat${streaming ? '' : '/sync'} \\
  -H 'Content-Type: application/json' \\
  -d '{"request":"Hello!","session_id":"my-session-1"}'`,
    })
  }
  return examples
}
