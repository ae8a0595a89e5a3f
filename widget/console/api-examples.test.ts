/**
 * The API examples the console shows are run as shown (the key and the URL filled in) against a
 * real host: the JavaScript one with node, the curl ones with curl. The Python one is checked
 * for the same endpoint and model (the openai package is not installed here).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHost, type TestHost } from '../../host/testing/harness.ts'
import { apiExamples } from './api-examples.ts'

const run = promisify(execFile)

let host: TestHost
let agentId = ''
let key = ''
beforeAll(async () => {
  host = await startTestHost()
  agentId = (await host.owner.publishedAgent({ name: 'Example agent', model: 'demo:instant' })).id
  key = (await host.owner.call('POST', `/agents/${agentId}/keys`, { name: 'Examples' })).body.key
})
afterAll(async () => {
  await host?.stop()
})

const examples = () => apiExamples({ publicUrl: host.url, agentId, mode: 'streaming', access: 'public' })
const example = (id: string) => examples().find((e) => e.id === id)!.code

describe('the console’s API examples, run against a real host', () => {
  it('JavaScript prints the agent’s answer', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', example('javascript')], { env: { ...process.env, PORCH_KEY: key } })
    expect(stdout).toContain('Demo model')
  })

  it('curl gets an OpenAI-style completion with the key', async () => {
    const script = example('curl').replace(/^export PORCH_KEY=.*$/m, '')
    const { stdout } = await run('bash', ['-c', script], { env: { ...process.env, PORCH_KEY: key } })
    expect(JSON.parse(stdout).choices[0].message.content).toContain('Demo model')
  })

  it('the public curl example streams the answer without a key', async () => {
    const { stdout } = await run('bash', ['-c', example('public')])
    expect(stdout).toContain('event: complete')
  })

  it('Python names the same endpoint and agent, and no example carries a secret', () => {
    expect(example('python')).toContain(`base_url="${host.url}/v1"`)
    expect(example('python')).toContain(`model="${agentId}"`)
    for (const { code } of examples()) expect(code).not.toContain(key.split('.')[1])
  })

  it('offers the public example only for public agents, with the mode’s endpoint', () => {
    expect(apiExamples({ publicUrl: 'https://p.example', agentId: 'a', mode: 'streaming', access: 'link' }).map((e) => e.id)).toEqual([
      'curl',
      'python',
      'javascript',
    ])
    expect(apiExamples({ publicUrl: 'https://p.example/', agentId: 'a', mode: 'non_streaming', access: 'public' }).at(-1)!.code).toContain(
      'https://p.example/api/v1/published/a/chat/sync',
    )
  })
})
