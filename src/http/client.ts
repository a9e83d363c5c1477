import type { Context } from 'hono'
import ipaddr from 'ipaddr.js'
import type { Config } from '../config.ts'
import type { AppEnv } from './env.ts'

// Who is calling, for rate limits. Anyone can write X-Forwarded-For, so it is read only
// when the socket peer is one of the configured proxies, and then from the right: each
// trusted hop vouches for the one before it, and the first address no trusted proxy
// vouches for is the client (what proxy-addr does for Express). Cloudflare's own header
// is the peer on Workers, where Cloudflare sets it and a client cannot.

export type PeerAddress = (c: Context<AppEnv>) => string | undefined

type Matcher = (addr: ipaddr.IPv4 | ipaddr.IPv6) => boolean

const matchers = new WeakMap<string[], Matcher>()

function trustedMatcher(list: string[]): Matcher {
  let m = matchers.get(list)
  if (!m) {
    const ranges = list.map((v) => (v.includes('/') ? ipaddr.parseCIDR(v) : cidrOf(ipaddr.parse(v))))
    m = (addr) => ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits))
    matchers.set(list, m)
  }
  return m
}

const cidrOf = (a: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] => [a, a.kind() === 'ipv4' ? 32 : 128]

function parse(v: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!v) return null
  const bare = v.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')
  // An IPv4 client seen through an IPv6 socket is the same client.
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null
}

// The key a client is counted under. One IPv6 subscriber gets a whole /64, so its
// addresses count as one.
function keyOf(a: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (a.kind() === 'ipv4') return a.toString()
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16))
  return `${parts.join(':')}::/64`
}

export function clientAddress(c: Context<AppEnv>, peerAddress: PeerAddress | undefined, config: Pick<Config, 'HALTE_TRUSTED_PROXIES'>): string {
  let addr = parse(peerAddress?.(c))
  if (!addr) return 'unknown'
  const trusted = config.HALTE_TRUSTED_PROXIES
  if (trusted.length === 0) return keyOf(addr)
  const isTrusted = trustedMatcher(trusted)
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',')
  for (let i = hops.length - 1; i >= 0 && isTrusted(addr); i--) {
    const hop = parse(hops[i])
    // A hop that is not an address cannot be a client: stop at the proxy that wrote it.
    if (!hop) break
    addr = hop
  }
  return keyOf(addr)
}
