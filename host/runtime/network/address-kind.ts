/**
 * What kind of address an IP is (loopback, private, link-local, metadata, …), including IPv4
 * addresses inside IPv6 ones (mapped, compatible, NAT64, 6to4). Pure: no DNS, no network.
 */
import { isIPv4, isIPv6 } from 'node:net'

export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'shared' | 'unspecified' | 'reserved' | 'multicast' | 'metadata'

export const KIND_WORDS: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT (shared) address',
  unspecified: 'an unspecified address',
  reserved: 'a reserved address',
  multicast: 'a multicast or broadcast address',
  metadata: 'a cloud metadata address',
}

/** Never reachable through a tool, whatever the host allows: nothing legitimate lives there. */
export const ALWAYS_REFUSED: ReadonlySet<AddressKind> = new Set(['metadata', 'multicast'])

/** Names of metadata services that some resolvers answer without a DNS record. */
export const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog'])

type Range<T> = { base: T; bits: number; kind: AddressKind | 'embedded-ipv4' | 'embedded-6to4' }

const v4 = (cidr: string, kind: AddressKind): Range<number> => {
  const [base, bits] = cidr.split('/')
  return { base: parseIPv4(base!)!, bits: Number(bits), kind }
}

// Most specific first: the first range that holds the address decides.
const IPV4_RANGES: Range<number>[] = [
  v4('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack, Oracle…
  v4('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // includes 255.255.255.255
]

const v6 = (cidr: string, kind: Range<bigint>['kind']): Range<bigint> => {
  const [base, bits] = cidr.split('/')
  return { base: parseIPv6(base!)!, bits: Number(bits), kind }
}

const IPV6_RANGES: Range<bigint>[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::ffff:0:0/96', 'embedded-ipv4'), // IPv4-mapped: ::ffff:127.0.0.1
  v6('::ffff:0:0:0/96', 'embedded-ipv4'), // IPv4-translated
  v6('::/96', 'embedded-ipv4'), // IPv4-compatible (deprecated): ::10.0.0.1
  v6('64:ff9b::/96', 'embedded-ipv4'), // NAT64 reaches the IPv4 address it embeds
  v6('64:ff9b:1::/48', 'private'),
  v6('100::/64', 'reserved'),
  v6('2001:db8::/32', 'reserved'),
  v6('2001::/32', 'reserved'), // Teredo: the IPv4 it tunnels to is obfuscated, so refuse it all
  v6('2002::/16', 'embedded-6to4'),
  v6('fd00:ec2::254/128', 'metadata'), // AWS IMDS over IPv6
  v6('fc00::/7', 'private'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'), // site-local (deprecated)
  v6('ff00::/8', 'multicast'),
]

/** What kind of address this IPv4 or IPv6 literal is; `reserved` for anything unparseable. */
export function classifyAddress(address: string): AddressKind {
  const ipv4 = parseIPv4(address)
  if (ipv4 !== null) return classifyIPv4(ipv4)
  const ipv6 = parseIPv6(address)
  if (ipv6 === null) return 'reserved'
  const range = IPV6_RANGES.find(({ base, bits }) => ipv6 >> BigInt(128 - bits) === base >> BigInt(128 - bits))
  if (!range) return 'public'
  if (range.kind === 'embedded-ipv4') return classifyIPv4(Number(ipv6 & 0xffffffffn))
  if (range.kind === 'embedded-6to4') return classifyIPv4(Number((ipv6 >> 80n) & 0xffffffffn))
  return range.kind
}

function classifyIPv4(address: number): AddressKind {
  const range = IPV4_RANGES.find(({ base, bits }) => bits === 0 || address >>> (32 - bits) === base >>> (32 - bits))
  return range ? (range.kind as AddressKind) : 'public'
}

function parseIPv4(text: string): number | null {
  if (!isIPv4(text)) return null
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0)
}

function parseIPv6(text: string): bigint | null {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (!isIPv6(address)) return null
  let groups: string[]
  const halves = address.split('::')
  const toGroups = (part: string) => (part === '' ? [] : part.split(':').flatMap(expandEmbeddedIPv4))
  if (halves.length === 2) {
    const head = toGroups(halves[0]!)
    const tail = toGroups(halves[1]!)
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
  } else {
    groups = toGroups(address)
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n)
}

/** `a.b.c.d` at the end of an IPv6 address is its last two 16-bit groups. */
function expandEmbeddedIPv4(group: string): string[] {
  const ipv4 = group.includes('.') ? parseIPv4(group) : null
  return ipv4 === null ? [group] : [(ipv4 >>> 16).toString(16), (ipv4 & 0xffff).toString(16)]
}
