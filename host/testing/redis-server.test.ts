/** The throwaway Redis: it answers, each start is a server of its own, and kill, restart and stop do what they say. */
import { connect } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, expect, it } from 'vitest'
import { startTestRedis, type TestRedis } from './redis-server.ts'

const started: TestRedis[] = []
const clients: Redis[] = []

afterAll(async () => {
  for (const client of clients) client.disconnect()
  await Promise.all(started.map((redis) => redis.stop()))
})

async function start() {
  const redis = await startTestRedis()
  started.push(redis)
  return redis
}

/** A client that fails a command at once while the server is down, instead of queueing it. */
async function client(url: string) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 20 })
  redis.on('error', () => {})
  clients.push(redis)
  await redis.connect()
  return redis
}

/** Whether something accepts a TCP connection on the port. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })

it('answers PING on its loopback URL, apart from every other test server', async () => {
  const [first, second] = await Promise.all([start(), start()])
  expect(first.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
  expect(second.port).not.toBe(first.port)
  const [a, b] = await Promise.all([client(first.url), client(second.url)])
  expect(await a.ping()).toBe('PONG')
  // Nothing is written to disk: a restart comes back empty.
  expect(await a.config('GET', 'save')).toEqual(['save', ''])
  expect(await a.config('GET', 'appendonly')).toEqual(['appendonly', 'no'])
  await a.set('porch:test', 'first')
  expect(await a.get('porch:test')).toBe('first')
  expect(await b.get('porch:test')).toBeNull()
})

it('is unreachable once killed, and comes back empty on the same port after a restart', async () => {
  const redis = await start()
  const connection = await client(redis.url)
  await connection.set('porch:test', 'kept?')
  await redis.kill()
  expect(await accepts(redis.port)).toBe(false)
  await expect(connection.ping()).rejects.toThrow()
  await redis.restart()
  expect(await accepts(redis.port)).toBe(true)
  // The client reconnects by itself; nothing was persisted.
  await expect.poll(() => connection.ping().catch(() => 'down')).toBe('PONG')
  expect(await connection.get('porch:test')).toBeNull()
})

it('stops: its port refuses afterwards', async () => {
  const redis = await startTestRedis()
  expect(await accepts(redis.port)).toBe(true)
  await redis.stop()
  expect(await accepts(redis.port)).toBe(false)
})
