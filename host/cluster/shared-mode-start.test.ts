/**
 * Turning the shared mode on and off, one host at a time: PostgreSQL without Redis says once
 * that it is one host; an unreachable PORCH_REDIS_URL stops the start with a message that names
 * the variable and masks the password; and a host whose Redis goes away answers limited routes
 * with 503 + Retry-After (never unlimited), keeps the owner API and history working, and heals
 * when Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAllChildren, runMainToExit, startChildHost } from '../testing/child-host.ts'
import { ADMIN_TOKEN, eventually, startTestHost, type TestHost } from '../testing/harness.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { startTestRedis, type TestRedis } from '../testing/redis-server.ts'

afterAll(async () => {
  await killAllChildren()
})

describe('starting', () => {
  it('on PostgreSQL without Redis: serves as one host, and says so once', async () => {
    const host = await startChildHost({ PORCH_DATABASE_URL: await createTestDatabase(), PORCH_ADMIN_TOKEN: ADMIN_TOKEN, PORCH_EXAMPLES_PORT: 'off' })
    const health = await fetch(`${host.url}/health`)
    expect(health.status).toBe(200)
    await host.kill('SIGTERM')
    const said = host.output().stderr.match(/without PORCH_REDIS_URL: rate limits and runs in flight stay in this host’s memory/g)
    expect(said).toHaveLength(1)
  })

  it('with a PORCH_REDIS_URL that leads nowhere: stops, naming the variable, without the password', async () => {
    const exit = await runMainToExit({ PORT: '0', PORCH_DATABASE_URL: await createTestDatabase(), PORCH_REDIS_URL: 'redis://:s3cret-pass@127.0.0.1:1' })
    expect(exit.code).toBe(1)
    expect(exit.stderr).toMatch(/^Porch cannot start\. PORCH_REDIS_URL: cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/)
    expect(exit.stderr + exit.stdout).not.toContain('s3cret-pass')
  })

  it('with Redis but SQLite: refuses, since hosts sharing Redis must share one database', async () => {
    const exit = await runMainToExit({ PORT: '0', PORCH_DB: ':memory:', PORCH_REDIS_URL: 'redis://127.0.0.1:6379' })
    expect(exit.code).toBe(1)
    expect(exit.stderr).toMatch(/PORCH_REDIS_URL: the shared mode \(several hosts\) needs PORCH_DATABASE_URL too/)
  })
})

describe('a host whose Redis goes away', () => {
  let redis: TestRedis
  let host: TestHost
  let agentId: string
  beforeAll(async () => {
    redis = await startTestRedis()
    host = await startTestHost({ PORCH_DATABASE_URL: await createTestDatabase(), PORCH_REDIS_URL: redis.url })
    agentId = (await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })).id
  })
  afterAll(async () => {
    await host?.stop()
    await redis?.stop()
  })

  it('answers chats 503 temporarily_unavailable with Retry-After, keeps the owner API and history, and heals when Redis is back', async () => {
    const chat = () => host.post(`/api/v1/published/${agentId}/chat/sync`, { request: 'hello', session_id: 'visitor' })
    expect((await chat()).status).toBe(200)
    await redis.kill()
    try {
      const refused = await chat()
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect((await refused.json()).error.code).toBe('temporarily_unavailable')
      expect((await host.owner.call('GET', `/agents/${agentId}`)).status).toBe(200)
      const history = await host.get(`/api/v1/published/${agentId}/sessions/visitor`)
      expect(history.status).toBe(200)
      expect((await history.json()).messages).toHaveLength(2)
    } finally {
      await redis.restart()
    }
    await eventually(async () => ((await chat()).status === 200 ? true : undefined))
    const messages = await (await host.get(`/api/v1/published/${agentId}/sessions/visitor`)).json()
    expect(messages.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
  })
})
