/**
 * The SessionEventBus of the shared mode: every host publishes a session's events on one Redis
 * channel, `porch:session-events`, and every host listens on it (one subscriber connection per
 * host) and hands each event to its own followers of that session. Pub/sub keeps nothing: an
 * event published while a host's subscriber was reconnecting is read from the store by the
 * follower that sees the gap in the numbers (event-stream.ts), or on its next reconnect.
 */
import type { SessionEvent } from '../../../shared/index.ts'
import { KEY_PREFIX, type Redis, sideConnection } from '../../cluster/redis.ts'
import type { Logger } from '../../log.ts'
import type { SessionKey } from '../../store/store.ts'
import { type SessionEventBus, type SessionEventListener, SessionListeners, sessionChannel } from './event-bus.ts'

const CHANNEL = `${KEY_PREFIX}session-events`

export class RedisEventBus implements SessionEventBus {
  private readonly listeners = new SessionListeners()
  private subscriber: Redis | undefined

  constructor(
    private readonly redis: Redis,
    private readonly log: Pick<Logger, 'error'>,
  ) {}

  async start(): Promise<void> {
    const subscriber = sideConnection(this.redis)
    this.subscriber = subscriber
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { channel, event } = JSON.parse(message) as { channel: string; event: SessionEvent }
        this.listeners.deliver(channel, event)
      } catch (error) {
        this.log.error('a session event from Redis could not be read', error)
      }
    })
    await subscriber.subscribe(CHANNEL)
  }

  async publish(key: SessionKey, event: SessionEvent): Promise<void> {
    try {
      await this.redis.publish(CHANNEL, JSON.stringify({ channel: sessionChannel(key), event }))
    } catch (error) {
      // Stored already: followers on other hosts read it from the store when they notice.
      this.listeners.deliver(sessionChannel(key), event)
      this.log.error('a session event could not be published through Redis', error)
    }
  }

  subscribe(key: SessionKey, listener: SessionEventListener): () => void {
    return this.listeners.add(sessionChannel(key), listener)
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect()
  }
}
