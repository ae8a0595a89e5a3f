/**
 * The RunBoard contract (run-board.contract.ts) on both boards: this process's RunRegistry,
 * and the RedisRunBoard of the shared mode on a throwaway Redis.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { connectRedis, type Redis } from '../../cluster/redis.ts'
import { startTestRedis, type TestRedis } from '../../testing/redis-server.ts'
import { RedisRunBoard } from './redis-run-board.ts'
import { runBoardContract } from './run-board.contract.ts'
import { RunRegistry } from './runs.ts'

runBoardContract('RunRegistry (one process)', { board: async () => new RunRegistry() })

let redisServer: TestRedis
let redis: Redis
beforeAll(async () => {
  redisServer = await startTestRedis()
  redis = await connectRedis(redisServer.url)
})
afterAll(async () => {
  redis.disconnect()
  await redisServer.stop()
})

runBoardContract('RedisRunBoard (shared through Redis)', {
  async board() {
    await redis.flushall()
    const board = new RedisRunBoard({ redis, instanceId: randomUUID(), log: { error: () => {} } })
    await board.start()
    return board
  },
})
