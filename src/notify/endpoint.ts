import ipaddr from 'ipaddr.js'
import { HalteError, type Text } from '../errors.ts'

// Which push endpoints halte will ever connect to. An endpoint comes from whoever
// subscribes, anonymous people included (an alert's or a drop-off's subscription), and
// the outbox then connects to it from inside the city's network: anything but a public
// push service would let a stranger make halte call its own neighbours (SSRF). This
// check is runtime-free (the request side, on Node or Workers); the sender repeats it
// and also checks the addresses a name resolves to, just before connecting.


export type EndpointCheck =
  | { ok: true; url: URL; allowed: boolean }
  | { ok: false; reason: Text }

// Names that never designate a service on the public internet: loopback (RFC 6761),
// mDNS (RFC 6762), home networks (RFC 8375), reverse-lookup zones, Tor, test and
// invalid names (RFC 6761) and ICANN's private-use `.internal`.
const SPECIAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'arpa', 'invalid', 'test', 'onion']

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

// Only addresses ipaddr.js classes as plain 'unicast' are on the public internet:
// loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
// unspecified, multicast, reserved, unique-local, and the IPv6 forms that embed an IPv4
// address (mapped, 6to4, Teredo, NAT64) are all something else. Mapped addresses are
// unwrapped first so ::ffff:8.8.8.8 is judged as 8.8.8.8.
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  return ipaddr.process(address).range() === 'unicast'
}

// "host:port" as the URL parser writes it (lower case, IPv6 in brackets, numeric IPv4
// forms made dotted), so a setting and an endpoint spelled differently still match.
function hostKey(url: URL): string {
  return `${url.hostname.replace(/\.$/, '')}:${url.port || '443'}`
}

export function allowedHostKeys(allowedHosts: readonly string[]): Set<string> {
  const keys = new Set<string>()
  for (const h of allowedHosts) {
    if (URL.canParse(`https://${h}/`)) keys.add(hostKey(new URL(`https://${h}/`)))
  }
  return keys
}

const refuse = (fr: string, en: string): EndpointCheck => ({ ok: false, reason: { fr, en } })

export function checkPushEndpoint(endpoint: string, allowedHosts: readonly string[] | Set<string>): EndpointCheck {
  if (!URL.canParse(endpoint)) return refuse("ce n'est pas une adresse web", 'not a URL')
  const url = new URL(endpoint)
  if (url.protocol !== 'https:') return refuse('seul https est accepté', 'only https is accepted')
  // Credentials in a push URL are never needed by a push service and would be sent along.
  if (url.username || url.password) return refuse("l'adresse ne doit pas contenir d'identifiants", 'the URL must not carry credentials')
  const allowed = allowedHosts instanceof Set ? allowedHosts : allowedHostKeys(allowedHosts)
  if (allowed.has(hostKey(url))) return { ok: true, url, allowed: true }
  if (url.port) return refuse('seul le port https par défaut (443) est accepté', 'only the default https port (443) is accepted')
  const host = url.hostname.replace(/\.$/, '')
  if (host.startsWith('[')) {
    return isPublicAddress(host.slice(1, -1)) ? { ok: true, url, allowed: false } : refuse("l'adresse IP n'est pas publique", 'the IP address is not public')
  }
  // The URL parser writes every IPv4 spelling (hex, octal, one number) as a dotted quad;
  // any other numeric form left over is refused rather than guessed at.
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) {
    return isPublicAddress(host) ? { ok: true, url, allowed: false } : refuse("l'adresse IP n'est pas publique", 'the IP address is not public')
  }
  if (ipaddr.isValid(host)) return refuse("l'adresse IP n'est pas publique", 'the IP address is not public')
  const labels = host.split('.')
  // A single label (localhost, metadata, an intranet machine) is only ever resolved locally.
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return refuse("le nom d'hôte n'est pas un nom public", 'the host name is not a public name')
  if (SPECIAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))) {
    return refuse("le nom d'hôte est réservé à un usage local", 'the host name is reserved for local use')
  }
  return { ok: true, url, allowed: false }
}

// At subscription time: a refused endpoint is a 400 before anything is stored.
export function assertPushEndpoint(endpoint: string, allowedHosts: readonly string[]): void {
  const checked = checkPushEndpoint(endpoint, allowedHosts)
  if (checked.ok) return
  throw new HalteError(400, 'invalid_push_endpoint', {
    fr: `Adresse de notification refusée : ${checked.reason.fr}. Elle doit être celle d'un service de notification public en https, telle que le navigateur la donne.`,
    en: `Push endpoint refused: ${checked.reason.en}. It must be a public https push service, as the browser gives it.`,
  })
}
