/**
 * The official OpenAI SDK (`npm install openai`) talking to a Porch agent: the agent id is the
 * model, a chat key is the API key, and only the base URL changes. Porch keeps the conversation
 * on the server: its id comes back in the `X-Porch-Session-Id` header, and sending it back
 * continues the conversation.
 *
 * With the `export PORCH_URL=… PORCH_AGENT=… PORCH_TOKEN=…` line `npm start` printed:
 *
 *   export PORCH_KEY=$(curl -sS "$PORCH_URL/api/v1/agents/$PORCH_AGENT/keys" -H "Authorization: Bearer $PORCH_TOKEN" -H 'Content-Type: application/json' -d '{"name": "openai-sdk"}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).key')
 *   npx tsx examples/openai-sdk.ts "What time is it?"
 */
import OpenAI from 'openai'

const { PORCH_URL = 'http://localhost:8787', PORCH_AGENT, PORCH_KEY } = process.env
if (!PORCH_AGENT || !PORCH_KEY) {
  console.error('set PORCH_AGENT (an agent id) and PORCH_KEY (a chat key for it: POST /api/v1/agents/{id}/keys)')
  process.exit(2)
}
const question = process.argv[2] ?? 'Hello!'

const openai = new OpenAI({ baseURL: `${PORCH_URL}/v1`, apiKey: PORCH_KEY })

// 1. One whole reply.
const { data: completion, response } = await openai.chat.completions
  .create({ model: PORCH_AGENT, messages: [{ role: 'user', content: question }] })
  .withResponse()
const session = response.headers.get('x-porch-session-id') ?? ''
console.log(completion.choices[0]?.message.content)

// 2. Streamed, in the same conversation: only the new message goes, with the session id.
const stream = await openai.chat.completions.create(
  { model: PORCH_AGENT, messages: [{ role: 'user', content: 'Thanks! And what did I ask before?' }], stream: true },
  { headers: { 'X-Porch-Session-Id': session } },
)
console.log('---')
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '')
process.stdout.write('\n')
