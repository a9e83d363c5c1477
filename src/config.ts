import ipaddr from 'ipaddr.js'
import { z } from 'zod'

// Configuration comes from the environment on Node and from bindings on Workers;
// both hand a plain record to loadConfig, which validates it once at start-up.

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional()

const listText = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x !== ''))

const urlText = (protocols: string[]) =>
  z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .optional()
    .refine((v) => v === undefined || (URL.canParse(v) && protocols.includes(new URL(v).protocol)), {
      message: `must be a URL (${protocols.join(' or ')})`,
    })

export const configSchema = z.object({
  DATABASE_URL: urlText(['postgres:', 'postgresql:']),
  HALTE_DATA_DIR: z.string().trim().min(1).default('./.halte'),
  // A test or a hosted multi-tenant setup may keep halte's tables in its own schema.
  HALTE_DB_SCHEMA: optionalText.refine((v) => v === undefined || /^[a-z_][a-z0-9_]{0,62}$/.test(v), {
    message: 'must be a lower-case SQL identifier',
  }),
  // Connections to PostgreSQL per process. Searches are short: about one per core keeps
  // a shared machine busiest, while many backends on few cores thrash (measured in
  // test/bench/nearest.ts); imports and fan-outs hold one for seconds, hence the
  // default. Ignored on the embedded database (one connection).
  HALTE_DB_POOL: z.coerce.number().int().min(1).max(100).default(10),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  HALTE_ADMIN_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters long',
  }),
  PUBLIC_BASE_URL: urlText(['http:', 'https:']),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_API_URL: urlText(['http:', 'https:']),
  VAPID_PUBLIC_KEY: optionalText,
  VAPID_PRIVATE_KEY: optionalText,
  VAPID_SUBJECT: optionalText,
  // Addresses/CIDRs of the reverse proxies whose X-Forwarded-For is believed. Anyone
  // else can write that header, so without this the socket address is the client.
  HALTE_TRUSTED_PROXIES: listText.refine((v) => v.every(isAddressOrCidr), {
    message: 'must be comma-separated IP addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1',
  }),
  // host:port of push services that are not on the public internet (a local or staging
  // push service); every other push endpoint must be a public https host.
  HALTE_PUSH_ALLOWED_HOSTS: listText.refine((v) => v.every((h) => /^[a-z0-9.-]+:\d{1,5}$|^\[[0-9a-f:.]+\]:\d{1,5}$/i.test(h)), {
    message: 'must be comma-separated host:port pairs, e.g. localhost:9443',
  }),
  // Keys the hashes of phone numbers, so a copy of the database alone cannot brute-force
  // them back; the previous secret is still matched while rows are re-keyed.
  HALTE_HASH_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters long',
  }),
  HALTE_HASH_SECRET_PREVIOUS: optionalText.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters long',
  }),
  // The map tiles halte's own pages show (a URL template with {z}/{x}/{y}, e.g. the
  // city's tile server); unset, the pages show no map. Their CSP allows this host only.
  HALTE_MAP_TILES: optionalText.refine((v) => v === undefined || /^https?:\/\/[^/\s]+\/\S*\{z\}\S*\{x\}\S*\{y\}/.test(v), {
    message: 'must be an http(s) URL template with {z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  }),
  // The network halte's own pages open on (/partner, /driver, /console) when the link names none.
  HALTE_DEFAULT_NETWORK: optionalText,
  // /metrics answers this bearer token (or an admin token) only.
  HALTE_METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters long',
  }),
})

function isAddressOrCidr(v: string): boolean {
  return v.includes('/') ? ipaddr.isValidCIDR(v) : ipaddr.isValid(v)
}

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      `Invalid configuration / configuration invalide:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`,
    )
    this.name = 'ConfigError'
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((k) => env[k] !== undefined)
      .map((k) => [k, env[k]]),
  )
  const parsed = configSchema.safeParse(known)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    )
  }
  return parsed.data
}
