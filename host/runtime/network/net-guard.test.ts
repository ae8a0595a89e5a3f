/**
 * The SSRF guard. Nothing here leaves the machine: addresses are classified as pure data, host
 * names are resolved by a test resolver or are `localhost`, and refused targets are refused
 * before any connection is made. Real servers on 127.0.0.1 play the allowed hops.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AddressKind, checkTarget, classifyAddress, guardedFetch, RefusedTargetError, type Resolver } from './net-guard.ts'

type Recorded = { url: string; method: string; headers: IncomingMessage['headers']; body: string }
type TestServer = { url: string; port: number; requests: Recorded[]; server: Server }

async function startServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void, host = '127.0.0.1'): Promise<TestServer> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      requests.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body })
      handle(req, res, body)
    })
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, requests, server }
}

const close = (s: TestServer | undefined) => new Promise<void>((resolve) => (s ? s.server.close(() => resolve()) : resolve()))

const redirectTo =
  (location: string, status = 302) =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { location }).end()
  }

describe('classifyAddress', () => {
  const cases: [string, AddressKind][] = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['192.169.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.0.1', 'link-local'],
    ['169.254.170.2', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.7', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:c0a8:0101::1', 'private'], // 6to4 of 192.168.1.1
    ['2002:0808:0808::1', 'public'],
    ['2001:0:4136:e378::1', 'reserved'], // Teredo
    ['2001:db8::1', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['not an address', 'reserved'],
    ['256.0.0.1', 'reserved'],
  ]
  it.each(cases)('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind)
  })
})

describe('checkTarget', () => {
  const resolveTo =
    (...addresses: string[]): Resolver =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))

  it('passes a public name and returns the addresses to connect to', async () => {
    const resolve = resolveTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946')
    await expect(checkTarget(new URL('https://api.example.com/x'), { allowPrivate: false, resolve })).resolves.toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ])
  })

  it('refuses a public-looking name that resolves to loopback', async () => {
    await expect(checkTarget(new URL('https://api.example.com/'), { allowPrivate: false, resolve: resolveTo('127.0.0.1') })).rejects.toThrow(
      'refused: api.example.com resolves to 127.0.0.1, a loopback address',
    )
  })

  it('refuses a name when any one of its addresses is private', async () => {
    await expect(checkTarget(new URL('https://api.example.com/'), { allowPrivate: false, resolve: resolveTo('93.184.216.34', '10.1.2.3') })).rejects.toThrow(
      'refused: api.example.com resolves to 10.1.2.3, a private address',
    )
  })

  it('refuses a name resolving to an IPv4-mapped metadata address even when private targets are allowed', async () => {
    await expect(checkTarget(new URL('http://sneaky.example/'), { allowPrivate: true, resolve: resolveTo('::ffff:169.254.169.254') })).rejects.toThrow(
      'a cloud metadata address',
    )
  })

  it('refuses metadata host names before resolving them', async () => {
    let asked = 0
    const resolve: Resolver = async () => {
      asked++
      return [{ address: '93.184.216.34', family: 4 }]
    }
    for (const url of ['http://metadata.google.internal/computeMetadata/v1/', 'http://METADATA.google.internal./', 'http://metadata.goog/']) {
      await expect(checkTarget(new URL(url), { allowPrivate: true, resolve })).rejects.toThrow(/is a cloud metadata address/)
    }
    expect(asked).toBe(0)
  })

  it('asks the predicate about each non-public address, with its port', async () => {
    const seen: unknown[] = []
    const allowPrivate = (target: { address: string; port: number; kind: string }) => {
      seen.push(target)
      return target.port === 8080
    }
    await expect(checkTarget(new URL('http://intranet.test:8080/'), { allowPrivate, resolve: resolveTo('10.0.0.9') })).resolves.toHaveLength(1)
    await expect(checkTarget(new URL('http://intranet.test:9090/'), { allowPrivate, resolve: resolveTo('10.0.0.9') })).rejects.toThrow(RefusedTargetError)
    expect(seen).toEqual([
      { hostname: 'intranet.test', address: '10.0.0.9', family: 4, port: 8080, kind: 'private' },
      { hostname: 'intranet.test', address: '10.0.0.9', family: 4, port: 9090, kind: 'private' },
    ])
  })

  it('refuses schemes other than http and https', async () => {
    await expect(checkTarget(new URL('file:///etc/passwd'), { allowPrivate: true })).rejects.toThrow('only http and https')
    await expect(checkTarget(new URL('ftp://example.com/'), { allowPrivate: true })).rejects.toThrow('only http and https')
  })
})

describe('guardedFetch refuses non-public targets before connecting', () => {
  const refusals: [string, string][] = [
    ['http://127.0.0.1:9/', 'refused: 127.0.0.1 is a loopback address'],
    ['http://10.0.0.5/', 'refused: 10.0.0.5 is a private address'],
    ['http://192.168.1.1/admin', 'refused: 192.168.1.1 is a private address'],
    ['http://172.20.0.1/', 'refused: 172.20.0.1 is a private address'],
    ['http://169.254.169.254/latest/meta-data/', 'refused: 169.254.169.254 is a cloud metadata address'],
    ['http://[::1]:9/', 'refused: ::1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/', 'refused: ::ffff:7f00:1 is a loopback address'],
    ['http://[fe80::1]/', 'refused: fe80::1 is a link-local address'],
    ['http://0.0.0.0:9/', 'refused: 0.0.0.0 is an unspecified address'],
    ['http://100.64.1.1/', 'refused: 100.64.1.1 is a carrier-grade NAT (shared) address'],
    // The URL parser normalizes these spellings of 127.0.0.1 before the guard sees them.
    ['http://2130706433/', 'refused: 127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', 'refused: 127.0.0.1 is a loopback address'],
    ['http://127.1/', 'refused: 127.0.0.1 is a loopback address'],
    ['http://metadata.google.internal/', 'refused: metadata.google.internal is a cloud metadata address'],
  ]
  it.each(refusals)('%s', async (url, message) => {
    await expect(guardedFetch(url, {}, { allowPrivate: false })).rejects.toThrow(message)
  })

  it('refuses localhost through the system resolver', async () => {
    await expect(guardedFetch('http://localhost:9/', {}, { allowPrivate: false })).rejects.toThrow(
      /^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/,
    )
  })

  it('still refuses metadata addresses when private targets are allowed', async () => {
    await expect(guardedFetch('http://169.254.169.254/', {}, { allowPrivate: true })).rejects.toThrow('cloud metadata')
    await expect(guardedFetch('http://[fd00:ec2::254]/', {}, { allowPrivate: true })).rejects.toThrow('cloud metadata')
  })
})

describe('guardedFetch against servers on 127.0.0.1', () => {
  let target: TestServer
  let v6: TestServer | undefined
  const servers: TestServer[] = []
  const serve = async (handle: Parameters<typeof startServer>[0]) => {
    const server = await startServer(handle)
    servers.push(server)
    return server
  }

  beforeAll(async () => {
    target = await serve((req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
    })
    v6 = await startServer((_req, res) => res.end('hello over IPv6'), '::1').catch(() => undefined)
  })
  afterAll(async () => {
    await Promise.all([...servers, v6].map(close))
  })

  it('fetches when private targets are allowed', async () => {
    const response = await guardedFetch(`${target.url}/hello?x=1`, { method: 'POST', headers: { 'x-test': 'yes' }, body: 'ping' }, { allowPrivate: true })
    expect(response.status).toBe(200)
    const { text, truncated } = await response.readText(10_000)
    expect(truncated).toBe(false)
    expect(JSON.parse(text)).toMatchObject({ method: 'POST', url: '/hello?x=1', body: 'ping', headers: { 'x-test': 'yes', 'content-length': '4' } })
  })

  it('reaches localhost through the system resolver when loopback is allowed', async () => {
    const response = await guardedFetch(`http://localhost:${target.port}/`, {}, { allowPrivate: (t) => t.kind === 'loopback' })
    expect(response.status).toBe(200)
    expect(JSON.parse((await response.readText(10_000)).text).headers.host).toBe(`localhost:${target.port}`)
  })

  it('fetches over IPv6 loopback when allowed', async (ctx) => {
    if (!v6) ctx.skip()
    const response = await guardedFetch(`${v6!.url}/`, {}, { allowPrivate: true })
    expect(await response.readText(100)).toEqual({ text: 'hello over IPv6', truncated: false })
  })

  it('connects to the address it checked, never asking DNS again', async () => {
    let lookups = 0
    const resolve: Resolver = async (hostname) => {
      lookups++
      expect(hostname).toBe('tools.example.test')
      return [{ address: '127.0.0.1', family: 4 }]
    }
    const response = await guardedFetch(`http://tools.example.test:${target.port}/pinned`, {}, { allowPrivate: true, resolve })
    const echoed = JSON.parse((await response.readText(10_000)).text)
    expect(echoed.headers.host).toBe(`tools.example.test:${target.port}`)
    expect(lookups).toBe(1)
  })

  it('refuses a name resolving to loopback when private targets are not allowed, without connecting', async () => {
    const before = target.requests.length
    const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }]
    await expect(guardedFetch(`http://public.example.test:${target.port}/`, {}, { allowPrivate: false, resolve })).rejects.toThrow(
      'refused: public.example.test resolves to 127.0.0.1, a loopback address',
    )
    expect(target.requests.length).toBe(before)
  })

  it('reads at most the cap and says the body was cut', async () => {
    const big = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('é'.repeat(100_000))
    })
    const response = await guardedFetch(big.url, {}, { allowPrivate: true })
    const { text, truncated } = await response.readText(1001)
    expect(truncated).toBe(true)
    // 1001 bytes hold 500 two-byte characters; the half character at the cut is held back.
    expect(text).toBe('é'.repeat(500))
  })

  describe('redirects', () => {
    it('follows an allowed redirect and returns the final response', async () => {
      const hop = await serve(redirectTo(`${target.url}/final`))
      const response = await guardedFetch(`${hop.url}/start`, {}, { allowPrivate: true })
      expect(response.status).toBe(200)
      expect(response.url).toBe(`${target.url}/final`)
      expect(JSON.parse((await response.readText(10_000)).text).url).toBe('/final')
    })

    it('refuses a redirect to a loopback port the policy does not allow, on the hop', async () => {
      const before = target.requests.length
      const hop = await serve(redirectTo(`${target.url}/internal`))
      const onlyTheHop = (t: { address: string; port: number }) => t.address === '127.0.0.1' && t.port === hop.port
      await expect(guardedFetch(`${hop.url}/`, {}, { allowPrivate: onlyTheHop })).rejects.toThrow('refused redirect 1: 127.0.0.1 is a loopback address')
      expect(hop.requests).toHaveLength(1)
      expect(target.requests.length).toBe(before)
    })

    it.each([
      ['http://169.254.169.254/latest/meta-data/iam/', 'refused redirect 1: 169.254.169.254 is a cloud metadata address'],
      ['http://10.0.0.5/', 'refused redirect 1: 10.0.0.5 is a private address'],
      ['http://192.168.0.1:8080/', 'refused redirect 1: 192.168.0.1 is a private address'],
      ['http://[::1]/', 'refused redirect 1: ::1 is a loopback address'],
      ['http://metadata.google.internal/', 'refused redirect 1: metadata.google.internal is a cloud metadata address'],
      ['file:///etc/passwd', 'refused redirect 1: only http and https URLs can be fetched, not file'],
    ])('refuses a redirect to %s', async (location, message) => {
      const hop = await serve(redirectTo(location, 307))
      const onlyTheHop = (t: { port: number }) => t.port === hop.port
      await expect(guardedFetch(hop.url, {}, { allowPrivate: onlyTheHop })).rejects.toThrow(message)
    })

    it('refuses a metadata redirect even when private targets are allowed', async () => {
      const hop = await serve(redirectTo('http://169.254.169.254/'))
      await expect(guardedFetch(hop.url, {}, { allowPrivate: true })).rejects.toThrow('refused redirect 1: 169.254.169.254 is a cloud metadata address')
    })

    it('refuses a redirect to a name that resolves to a private address', async () => {
      const hop = await serve(redirectTo('http://rebind.example.test/'))
      const resolve: Resolver = async () => [{ address: '10.9.8.7', family: 4 }]
      await expect(guardedFetch(hop.url, {}, { allowPrivate: (t) => t.port === hop.port, resolve })).rejects.toThrow(
        'refused redirect 1: rebind.example.test resolves to 10.9.8.7, a private address',
      )
    })

    it('checks every hop of a chain', async () => {
      const third = await serve(redirectTo('http://10.0.0.1/'))
      const second = await serve(redirectTo(third.url))
      const first = await serve(redirectTo(second.url))
      const allowed = new Set([first.port, second.port, third.port])
      await expect(guardedFetch(first.url, {}, { allowPrivate: (t) => allowed.has(t.port) })).rejects.toThrow(
        'refused redirect 3: 10.0.0.1 is a private address',
      )
      expect([first, second, third].map((s) => s.requests.length)).toEqual([1, 1, 1])
    })

    it('gives up after maxRedirects', async () => {
      const loop: TestServer = await serve((req, res) => res.writeHead(302, { location: `/again${(req.url ?? '').length}` }).end())
      await expect(guardedFetch(loop.url, {}, { allowPrivate: true, maxRedirects: 3 })).rejects.toThrow('too many redirects (more than 3)')
      expect(loop.requests).toHaveLength(4)
    })

    it('turns a POST into a GET without its body on 303', async () => {
      const hop = await serve(redirectTo(`${target.url}/after-post`, 303))
      const response = await guardedFetch(hop.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }, { allowPrivate: true })
      const echoed = JSON.parse((await response.readText(10_000)).text)
      expect(echoed).toMatchObject({ method: 'GET', url: '/after-post', body: '' })
      expect(echoed.headers['content-type']).toBeUndefined()
    })

    it('keeps method and body on 307', async () => {
      const hop = await serve(redirectTo(`${target.url}/kept`, 307))
      const response = await guardedFetch(hop.url, { method: 'PUT', body: 'same' }, { allowPrivate: true })
      expect(JSON.parse((await response.readText(10_000)).text)).toMatchObject({ method: 'PUT', url: '/kept', body: 'same' })
    })

    it('drops credentials when a redirect leaves the origin, keeps them within it', async () => {
      const headers = { authorization: 'Bearer tok', 'x-api-key': 'k', 'user-agent': 'ua-test' }
      const sameOrigin = await serve((req, res, body) => {
        if (req.url === '/start') return void res.writeHead(302, { location: '/next' }).end()
        res.end(JSON.stringify({ headers: req.headers, body }))
      })
      const kept = JSON.parse((await (await guardedFetch(`${sameOrigin.url}/start`, { headers }, { allowPrivate: true })).readText(10_000)).text)
      expect(kept.headers).toMatchObject(headers)

      const hop = await serve(redirectTo(`${target.url}/elsewhere`))
      const dropped = JSON.parse((await (await guardedFetch(hop.url, { headers }, { allowPrivate: true })).readText(10_000)).text)
      expect(dropped.headers['user-agent']).toBe('ua-test')
      expect(dropped.headers.authorization).toBeUndefined()
      expect(dropped.headers['x-api-key']).toBeUndefined()
    })

    it('returns the redirect itself when maxRedirects is 0', async () => {
      const hop = await serve(redirectTo('http://10.0.0.1/'))
      const response = await guardedFetch(hop.url, {}, { allowPrivate: true, maxRedirects: 0 })
      expect(response.status).toBe(302)
      response.discard()
    })
  })

  it('stops waiting when the signal aborts', async () => {
    const slow = await serve((_req, res) => setTimeout(() => res.end('late'), 2000).unref())
    // The server answers after 2 s: a fetch that waited would resolve with 'late', not reject.
    await expect(guardedFetch(slow.url, { signal: AbortSignal.timeout(100) }, { allowPrivate: true })).rejects.toMatchObject({ name: 'AbortError' })
  })
})
