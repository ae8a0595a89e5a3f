/**
 * The typed client, @porch/client (shared/client/ in this repository): a visitor's chat
 * streamed as typed events, then the owner's view of the same agent, and a PorchError when
 * something is refused.
 *
 * With the `export PORCH_URL=… PORCH_AGENT=… PORCH_TOKEN=…` line `npm start` printed:
 *
 *   npx tsx examples/typed-client.ts "What time is it?"
 */
import { PorchClient, PorchError } from '@porch/client'

const { PORCH_URL = 'http://localhost:8787', PORCH_AGENT, PORCH_TOKEN } = process.env
if (!PORCH_AGENT) {
  console.error('set PORCH_AGENT to a published agent id (npm start prints one)')
  process.exit(2)
}
const question = process.argv[2] ?? 'Hello!'
const porch = new PorchClient({ baseUrl: PORCH_URL, token: PORCH_TOKEN })

try {
  // The visitor side: what any site's visitor may do.
  const agent = porch.published(PORCH_AGENT)
  const info = await agent.info()
  console.log(`# ${info.name}`)
  if (info.api_response_mode === 'non_streaming') {
    console.log((await agent.send(question)).answer)
  } else {
    for await (const event of agent.stream(question)) {
      switch (event.event_type) {
        case 'text_delta':
          process.stdout.write(event.text)
          break
        case 'tool_call':
          process.stdout.write(`\n[tool ${event.tool_name}]\n`)
          break
        case 'sources':
          for (const source of event.sources) process.stdout.write(`\n[${source.index}] ${source.title}${source.url ? ` ${source.url}` : ''}`)
          break
        case 'error':
          console.error(`\nThe run failed: ${event.code}: ${event.message}`)
          break
      }
    }
    process.stdout.write('\n')
  }

  // The owner side (needs PORCH_TOKEN): the versions behind what the visitor saw.
  if (PORCH_TOKEN) {
    const versions = await porch.agents.versions(PORCH_AGENT)
    const active = versions.find((version) => version.active)
    console.log(`${versions.length} published version(s); visitors get v${active?.version} (${active?.config.model})`)
  }
} catch (error) {
  if (!(error instanceof PorchError)) throw error
  // status and code come from the host's error body; code is typed (ApiErrorCode).
  console.error(`${error.status} ${error.code}: ${error.message}`)
  process.exitCode = 1
}
