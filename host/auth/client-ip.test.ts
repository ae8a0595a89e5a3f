/** clientIp: only the last `trustHops` proxies are believed; the peer address counts as the last hop. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { clientIp } from './client-ip.ts'

const PEER = '10.0.0.9'

/** Asks a tiny app for the client IP, with a Node socket's peer address in its bindings (or none). */
async function ipOf(trustHops: number, forwardedFor?: string, peer: string | null = PEER): Promise<string> {
  const app = new Hono()
  app.get('/', (c) => c.text(clientIp(c, trustHops)))
  const env =
    peer === null ? undefined : { incoming: { socket: { remoteAddress: peer, remotePort: 50_000, remoteFamily: peer.includes(':') ? 'IPv6' : 'IPv4' } } }
  const response = await app.request('/', { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }, env)
  return response.text()
}

describe('clientIp with no trusted proxy', () => {
  it('is the peer address, whatever X-Forwarded-For says', async () => {
    expect(await ipOf(0)).toBe(PEER)
    expect(await ipOf(0, '1.2.3.4')).toBe(PEER)
  })

  it('is "unknown" off a Node socket (app.request without bindings)', async () => {
    expect(await ipOf(0, '1.2.3.4', null)).toBe('unknown')
  })
})

describe('clientIp behind trusted proxies', () => {
  it('takes the entry the last proxy appended, with one hop', async () => {
    expect(await ipOf(1, '203.0.113.7')).toBe('203.0.113.7')
  })

  it('ignores whatever the client wrote further left', async () => {
    expect(await ipOf(1, '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7')
    expect(await ipOf(2, '6.6.6.6, 7.7.7.7, 203.0.113.7, 10.0.0.2')).toBe('203.0.113.7')
  })

  it('counts the Nth entry from the right with N hops', async () => {
    const chain = '198.51.100.1, 198.51.100.2, 198.51.100.3'
    expect(await ipOf(1, chain)).toBe('198.51.100.3')
    expect(await ipOf(2, chain)).toBe('198.51.100.2')
    expect(await ipOf(3, chain)).toBe('198.51.100.1')
  })

  it('takes the leftmost entry when the chain is shorter than the hops', async () => {
    expect(await ipOf(5, '198.51.100.1, 198.51.100.2')).toBe('198.51.100.1')
  })

  it('falls back to the peer when there is no X-Forwarded-For', async () => {
    expect(await ipOf(1)).toBe(PEER)
    expect(await ipOf(1, '')).toBe(PEER)
    expect(await ipOf(2, ' , ,')).toBe(PEER)
  })

  it('skips empty entries and trims spaces', async () => {
    expect(await ipOf(1, '6.6.6.6,,  203.0.113.7  ,')).toBe('203.0.113.7')
  })

  it('is "unknown" behind proxies with no header and no socket', async () => {
    expect(await ipOf(1, undefined, null)).toBe('unknown')
    expect(await ipOf(1, '203.0.113.7', null)).toBe('203.0.113.7')
  })

  it('keeps entries as the proxy wrote them: not checked, not normalised', async () => {
    expect(await ipOf(1, 'not-an-ip')).toBe('not-an-ip')
    expect(await ipOf(1, '2001:db8::1')).toBe('2001:db8::1')
    expect(await ipOf(1, '[2001:db8::1]:443')).toBe('[2001:db8::1]:443')
    expect(await ipOf(1, '::ffff:203.0.113.7')).toBe('::ffff:203.0.113.7')
  })
})

describe('clientIp peer addresses', () => {
  it('keeps IPv6 and IPv4-mapped peer addresses as the socket gives them', async () => {
    expect(await ipOf(0, undefined, '2001:db8::2')).toBe('2001:db8::2')
    expect(await ipOf(0, undefined, '::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1')
  })
})
