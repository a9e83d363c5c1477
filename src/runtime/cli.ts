import './utc.ts'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { insertToken, listTokens, revokeToken } from '../auth/tokens.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { MigrationChecksumError } from '../db/migrate.ts'
import { HalteError } from '../errors.ts'
import { findNetworkBySlug, insertNetwork } from '../networks/queries.ts'
import { createNetworkSchema } from '../networks/schemas.ts'
import { importPlaces } from '../places/import.ts'
import { refreshDuePeriods } from '../places/periods.ts'
import { readImportFile } from './import-file.ts'
import { importGtfs } from '../transit/gtfs/import.ts'
import { generateVapidKeys } from '../notify/web-push.ts'
import { nodeLogger, prepareDatabase, startNode } from './node.ts'

const USAGE = `halte <command>

  serve                                  start the HTTP server (default)
  migrate                                apply pending SQL migrations and exit
  network create --slug S --name N [--timezone Europe/Paris] [--locale fr] [--country FR] [--region FR-68]
  token create --role admin|operator|driver --label L [--network SLUG] [--vehicle V] [--expires-in 30d|12h]
  token list [--network SLUG]             every token (or a network's), as JSON; never the secret
  token revoke ID                        the token stops working from its next request
  places import FILE --network SLUG [--approve]   CSV, GeoJSON or OSM extract; prints a JSON report
  hours refresh                          re-materialise every active place's open periods now
  gtfs import FILE --network SLUG          import a GTFS zip, replacing the network's feed
  vapid                                  print a new VAPID key pair for web push (environment lines)

Environment: DATABASE_URL (absent: embedded database in HALTE_DATA_DIR), PORT, HALTE_ADMIN_TOKEN, ...`

async function main(argv: string[]) {
  const [command = 'serve', sub, ...rest] = argv
  switch (command) {
    case 'serve':
      return serveCommand()
    case 'migrate':
      return withDb(async () => {}, { quiet: false })
    case 'network':
      if (sub === 'create') return networkCreate(rest)
      break
    case 'token':
      if (sub === 'create') return tokenCreate(rest)
      if (sub === 'list') return tokenList(rest)
      if (sub === 'revoke') return tokenRevoke(rest)
      break
    case 'places':
      if (sub === 'import') return placesImport(rest)
      break
    case 'hours':
      if (sub === 'refresh') return withDb(async ({ sql }) => console.log(await refreshDuePeriods(sql, new Date(), { force: true })))
      break
    case 'gtfs':
      if (sub === 'import') return gtfsImport(rest)
      break
    case 'vapid': {
      const keys = generateVapidKeys()
      console.log(`VAPID_PUBLIC_KEY=${keys.publicKey}\nVAPID_PRIVATE_KEY=${keys.privateKey}`)
      return
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return
  }
  console.error(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`)
  process.exitCode = 2
}

async function serveCommand() {
  const running = await startNode()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
}

async function withDb<T>(
  work: (db: Awaited<ReturnType<typeof prepareDatabase>>) => Promise<T>,
  opts = { quiet: true },
): Promise<T> {
  const config = loadConfig(process.env)
  // Quiet commands print their answer (a token, JSON) alone on stdout.
  const log = nodeLogger({ LOG_LEVEL: opts.quiet && config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL })
  const db = await prepareDatabase(config, log)
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}

async function networkCreate(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      timezone: { type: 'string', default: 'Europe/Paris' },
      locale: { type: 'string', default: 'fr' },
      country: { type: 'string', default: 'FR' },
      region: { type: 'string' },
    },
  })
  const input = createNetworkSchema.parse({
    slug: values.slug,
    name: values.name,
    timezone: values.timezone,
    locale: values.locale,
    country_code: values.country,
    ...(values.region ? { region_code: values.region } : {}),
  })
  await withDb(async ({ sql }) => console.log(JSON.stringify(await insertNetwork(sql, input), null, 2)))
}

async function tokenCreate(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      label: { type: 'string' },
      network: { type: 'string' },
      vehicle: { type: 'string' },
      'expires-in': { type: 'string' },
    },
  })
  const role = values.role
  if (role !== 'admin' && role !== 'operator' && role !== 'driver') throw new Error('--role must be admin, operator or driver')
  if (!values.label) throw new Error('--label is required')
  if (role !== 'admin' && !values.network) throw new Error(`--network is required for a ${role} token`)
  if (role === 'driver' && !values.vehicle) throw new Error('--vehicle is required for a driver token')
  const lifetime = values['expires-in'] === undefined ? null : parseLifetime(values['expires-in'])
  await withDb(async ({ sql }) => {
    const network = values.network ? await findNetworkBySlug(sql, values.network) : null
    if (values.network && !network) throw new Error(`No network "${values.network}"`)
    const { token } = await insertToken(sql, {
      role,
      label: values.label!,
      networkId: network?.id ?? null,
      vehicle: values.vehicle ?? null,
      expiresAt: lifetime === null ? null : new Date(Date.now() + lifetime),
    })
    console.log(token)
  })
}

// "30d" or "12h": how long a token lives, in milliseconds.
function parseLifetime(text: string): number {
  const match = /^(\d{1,5})\s*([dh])$/.exec(text.trim())
  const n = match ? Number(match[1]) : 0
  if (!match || n < 1) throw new Error(`--expires-in must be a number of days or hours, such as 30d or 12h (not "${text}")`)
  return n * (match[2] === 'd' ? 24 : 1) * 3600 * 1000
}

async function tokenList(args: string[]) {
  const { values } = parseArgs({ args, options: { network: { type: 'string' } } })
  await withDb(async ({ sql }) => {
    let networkId: string | undefined
    if (values.network) {
      const network = await findNetworkBySlug(sql, values.network)
      if (!network) throw new Error(`No network "${values.network}"`)
      networkId = network.id
    }
    console.log(JSON.stringify(await listTokens(sql, networkId), null, 2))
  })
}

async function tokenRevoke(args: string[]) {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new Error('usage: halte token revoke ID (the id shown by token list)')
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new Error(`No token "${id}"`)
  await withDb(async ({ sql }) => {
    const revoked = await revokeToken(sql, id, { now: new Date() })
    if (!revoked) throw new Error(`No token "${id}"`)
    console.log(JSON.stringify(revoked, null, 2))
  })
}

async function placesImport(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { network: { type: 'string' }, approve: { type: 'boolean', default: false } },
  })
  const file = positionals[0]
  if (!file || !values.network) throw new Error('usage: halte places import FILE --network SLUG [--approve]')
  const rows = readImportFile(file)
  await withDb(async ({ sql }) => {
    const network = await findNetworkBySlug(sql, values.network!)
    if (!network) throw new Error(`No network "${values.network}"`)
    const report = await importPlaces(sql, network, rows, { approve: values.approve!, now: new Date() })
    console.error(`${report.imported.length} imported, ${report.rejected.length} rejected (of ${rows.length} rows)`)
    for (const r of report.rejected) console.error(`  row ${r.row}${r.name ? ` (${r.name})` : ''}: ${r.reason}`)
    console.log(JSON.stringify(report, null, 2))
  })
}

async function gtfsImport(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { network: { type: 'string' } } })
  const file = positionals[0]
  if (!file || !values.network) throw new Error('usage: halte gtfs import FILE --network SLUG')
  const zip = new Uint8Array(readFileSync(file))
  await withDb(async ({ sql }) => {
    const network = await findNetworkBySlug(sql, values.network!)
    if (!network) throw new Error(`No network "${values.network}"`)
    try {
      console.log(JSON.stringify(await importGtfs(sql, network.id, zip), null, 2))
    } catch (e) {
      // A refused feed says what and where, as the HTTP answer does.
      if (e instanceof HalteError) throw new Error(`${e.code}: ${e.detailText?.en ?? e.message}`)
      throw e
    }
  })
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof MigrationChecksumError) console.error(e.message)
  else console.error(e instanceof Error ? e.message : e)
  process.exit(1)
})
