import './utc.ts'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { insertToken, listTokens, revokeToken } from '../auth/tokens.ts'
import { resolveSectors, setTokenSectors } from '../sectors/queries.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { MigrationChecksumError } from '../db/migrate.ts'
import { HalteError } from '../errors.ts'
import { findNetworkBySlug, insertNetwork } from '../networks/queries.ts'
import { createNetworkSchema } from '../networks/schemas.ts'
import { importPlaces } from '../places/import.ts'
import { refreshDuePeriods } from '../places/periods.ts'
import { readImportFile } from './import-file.ts'
import { importGtfs } from '../transit/gtfs/import.ts'
import { seedDemo } from '../demo/seed.ts'
import { DEMO_SLUG } from '../demo/places.ts'
import { generateVapidKeys } from '../notify/web-push.ts'
import type { Running } from './node.ts'
import { nodeLogger, prepareDatabase } from './prepare.ts'
import { loadBackup, readBackup, writeBackup } from './backup.ts'
import { CONTROL_SOCKET } from './control-client.mjs'
import { type CommandIo, startControl } from './control.ts'
import type { Database } from './database.ts'
import { StartupError } from './startup-error.ts'

const USAGE = `halte <command>

  serve                                  start the HTTP server (default)
  migrate                                apply pending SQL migrations and exit
  network create --slug S --name N [--timezone Europe/Paris] [--locale fr] [--country FR] [--region FR-68]
  token create --role admin|operator|driver|mediator|police --label L [--network SLUG] [--vehicle V] [--sectors A,B] [--expires-in 30d|12h]
  token list [--network SLUG]             every token (or a network's), as JSON; never the secret
  token revoke ID                        the token stops working from its next request
  places import FILE --network SLUG [--approve]   CSV, GeoJSON or OSM extract; prints a JSON report
  hours refresh                          re-materialise every active place's open periods now
  gtfs import FILE --network SLUG          import a GTFS zip, replacing the network's feed
  backup FILE                            write every table of the database to FILE (plain SQL)
  restore FILE                           replace the database's content with a backup (server stopped)
  vapid                                  print a new VAPID key pair for web push (environment lines)
  demo [--slug demo]                     create (or recreate) the fictional demo network, with tokens to try each screen

Environment: DATABASE_URL (absent: embedded database in HALTE_DATA_DIR), PORT, HALTE_ADMIN_TOKEN, ...`

type WithDb = <T>(work: (db: Database) => Promise<T>, opts?: { quiet: boolean }) => Promise<T>

// Where a command runs: in its own process, or inside the server that holds the
// embedded database (see control.ts), which passes its own database and output.
interface Ctx {
  io: CommandIo
  cwd: string
  withDb: WithDb
  // Set when the command runs inside a serving process.
  serving?: boolean
}

const consoleIo: CommandIo = { out: (text) => console.log(text), err: (text) => console.error(text) }

async function main(argv: string[]) {
  if ((argv[0] ?? 'serve') === 'serve') return serveCommand()
  process.exitCode = await runCommand(argv, { io: consoleIo, cwd: process.cwd(), withDb: ownDb })
}

// Runs one command (never `serve`); resolves to its exit code.
async function runCommand(argv: string[], ctx: Ctx): Promise<number> {
  const [command, sub, ...rest] = argv
  const { io } = ctx
  switch (command) {
    case 'migrate':
      await ctx.withDb(async () => {}, { quiet: false })
      return 0
    case 'network':
      if (sub === 'create') return networkCreate(rest, ctx)
      break
    case 'token':
      if (sub === 'create') return tokenCreate(rest, ctx)
      if (sub === 'list') return tokenList(rest, ctx)
      if (sub === 'revoke') return tokenRevoke(rest, ctx)
      break
    case 'places':
      if (sub === 'import') return placesImport(rest, ctx)
      break
    case 'hours':
      if (sub === 'refresh') {
        await ctx.withDb(async ({ sql }) => io.out(String(await refreshDuePeriods(sql, new Date(), { force: true }))))
        return 0
      }
      break
    case 'gtfs':
      if (sub === 'import') return gtfsImport(rest, ctx)
      break
    case 'backup':
      return backupCommand(argv.slice(1), ctx)
    case 'restore':
      return restoreCommand(argv.slice(1), ctx)
    case 'demo':
      return demoCommand(argv.slice(1), ctx)
    case 'vapid': {
      const keys = generateVapidKeys()
      io.out(`VAPID_PUBLIC_KEY=${keys.publicKey}\nVAPID_PRIVATE_KEY=${keys.privateKey}`)
      return 0
    }
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE)
      return 0
  }
  io.err(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`)
  return 2
}

// How long a stop may take before the process gives up on cleanliness and exits 1.
const STOP_LIMIT_MS = 25_000

async function serveCommand() {
  // Listening for signals from the first moment: one that comes while the database opens
  // waits for the start to finish, then stops it cleanly (the embedded lock is released).
  let startup: Promise<Running> | undefined
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      const limit = setTimeout(() => {
        console.error(`halte: stop took more than ${STOP_LIMIT_MS / 1000} s, exiting without finishing`)
        process.exit(1)
      }, STOP_LIMIT_MS)
      limit.unref()
      ;(async () => {
        const running = await startup
        if (!running) return
        running.log.info('stop requested', { signal })
        await running.close()
      })().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`halte: stop failed: ${err instanceof Error ? err.message : String(err)}`)
          process.exit(1)
        },
      )
    })
  }
  // Commands beside the server on the embedded database run in it (see control.ts).
  // Loaded here only: other commands need none of the HTTP app.
  const { startNode } = await import('./node.ts')
  startup = startNode(process.env, {
    alongside: async (db, log) => {
      if (!db.embedded) return undefined
      const path = join(db.embedded.root, CONTROL_SOCKET)
      // Serving matters more than the CLI: a socket that cannot be made (a data directory
      // path past the 107 bytes a Unix socket path may have) costs only the commands.
      return startControl(path, (argv, cwd, io) => runCommand(argv, { io, cwd, withDb: (work) => work(db), serving: true })).catch((err: unknown) => {
        log.warn('CLI commands cannot reach this server while it runs; stop it to run them', { socket: path, err })
        return undefined
      })
    },
  })
  await startup
}

async function backupCommand(args: string[], { io, cwd, withDb }: Ctx): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  if (positionals.length !== 1) throw new Error('usage: halte backup FILE')
  const file = resolve(cwd, positionals[0]!)
  const counts = await withDb(({ sql }) => writeBackup(sql, file))
  const rows = Object.values(counts).reduce((a, b) => a + b, 0)
  io.err(`${file}: ${rows} rows from ${Object.keys(counts).length} tables`)
  io.out(JSON.stringify({ file, tables: counts }, null, 2))
  return 0
}

async function restoreCommand(args: string[], { io, cwd, withDb, serving }: Ctx): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  if (positionals.length !== 1) throw new Error('usage: halte restore FILE')
  if (serving) {
    throw new StartupError(
      'restore replaces everything the running server serves: stop it first (Ctrl-C or SIGTERM), then run restore. / ' +
        'restore remplace tout ce que sert le serveur en marche : arrêtez-le d’abord, puis relancez restore.',
    )
  }
  const file = resolve(cwd, positionals[0]!)
  const text = await readBackup(file)
  await withDb(({ sql }) => loadBackup(sql, text))
  io.err(`${file} restored`)
  return 0
}

async function ownDb<T>(work: (db: Database) => Promise<T>, opts = { quiet: true }): Promise<T> {
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

async function networkCreate(args: string[], { io, withDb }: Ctx): Promise<number> {
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
  await withDb(async ({ sql }) => io.out(JSON.stringify(await insertNetwork(sql, input), null, 2)))
  return 0
}

async function tokenCreate(args: string[], { io, withDb }: Ctx): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      label: { type: 'string' },
      network: { type: 'string' },
      vehicle: { type: 'string' },
      sectors: { type: 'string' },
      'expires-in': { type: 'string' },
    },
  })
  const role = values.role
  if (role !== 'admin' && role !== 'operator' && role !== 'driver' && role !== 'mediator' && role !== 'police') {
    throw new Error('--role must be admin, operator, driver, mediator or police')
  }
  const field = role === 'mediator' || role === 'police'
  if (values.sectors !== undefined && !field) throw new Error('--sectors is for mediator and police tokens only')
  const sectorRefs = (values.sectors ?? '').split(',').map((x) => x.trim()).filter(Boolean)
  if (!values.label) throw new Error('--label is required')
  if (role !== 'admin' && !values.network) throw new Error(`--network is required for a ${role} token`)
  if (role === 'driver' && !values.vehicle) throw new Error('--vehicle is required for a driver token')
  const lifetime = values['expires-in'] === undefined ? null : parseLifetime(values['expires-in'])
  await withDb(async ({ sql }) => {
    const network = values.network ? await findNetworkBySlug(sql, values.network) : null
    if (values.network && !network) throw new Error(`No network "${values.network}"`)
    const { found, unknown } = field ? await resolveSectors(sql, network!.id, sectorRefs) : { found: [], unknown: [] }
    if (unknown.length) throw new Error(`No sector ${unknown.map((u) => `"${u}"`).join(', ')} in network "${values.network}"`)
    const token = await sql.begin(async (tx) => {
      const created = await insertToken(tx, {
        role,
        label: values.label!,
        networkId: network?.id ?? null,
        vehicle: values.vehicle ?? null,
        expiresAt: lifetime === null ? null : new Date(Date.now() + lifetime),
      })
      await setTokenSectors(tx, created.id, found.map((f) => f.id))
      return created.token
    })
    io.out(token)
  })
  return 0
}

// "30d" or "12h": how long a token lives, in milliseconds.
function parseLifetime(text: string): number {
  const match = /^(\d{1,5})\s*([dh])$/.exec(text.trim())
  const n = match ? Number(match[1]) : 0
  if (!match || n < 1) throw new Error(`--expires-in must be a number of days or hours, such as 30d or 12h (not "${text}")`)
  return n * (match[2] === 'd' ? 24 : 1) * 3600 * 1000
}

async function tokenList(args: string[], { io, withDb }: Ctx): Promise<number> {
  const { values } = parseArgs({ args, options: { network: { type: 'string' } } })
  await withDb(async ({ sql }) => {
    let networkId: string | undefined
    if (values.network) {
      const network = await findNetworkBySlug(sql, values.network)
      if (!network) throw new Error(`No network "${values.network}"`)
      networkId = network.id
    }
    io.out(JSON.stringify(await listTokens(sql, networkId), null, 2))
  })
  return 0
}

async function tokenRevoke(args: string[], { io, withDb }: Ctx): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new Error('usage: halte token revoke ID (the id shown by token list)')
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new Error(`No token "${id}"`)
  await withDb(async ({ sql }) => {
    const revoked = await revokeToken(sql, id, { now: new Date() })
    if (!revoked) throw new Error(`No token "${id}"`)
    io.out(JSON.stringify(revoked, null, 2))
  })
  return 0
}

async function placesImport(args: string[], { io, cwd, withDb }: Ctx): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { network: { type: 'string' }, approve: { type: 'boolean', default: false } },
  })
  const file = positionals[0]
  if (!file || !values.network) throw new Error('usage: halte places import FILE --network SLUG [--approve]')
  const rows = readImportFile(resolve(cwd, file))
  await withDb(async ({ sql }) => {
    const network = await findNetworkBySlug(sql, values.network!)
    if (!network) throw new Error(`No network "${values.network}"`)
    const report = await importPlaces(sql, network, rows, { approve: values.approve!, now: new Date() })
    io.err(`${report.imported.length} imported, ${report.rejected.length} rejected (of ${rows.length} rows)`)
    for (const r of report.rejected) io.err(`  row ${r.row}${r.name ? ` (${r.name})` : ''}: ${r.reason}`)
    io.out(JSON.stringify(report, null, 2))
  })
  return 0
}

async function gtfsImport(args: string[], { io, cwd, withDb }: Ctx): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { network: { type: 'string' } } })
  const file = positionals[0]
  if (!file || !values.network) throw new Error('usage: halte gtfs import FILE --network SLUG')
  const zip = new Uint8Array(readFileSync(resolve(cwd, file)))
  await withDb(async ({ sql }) => {
    const network = await findNetworkBySlug(sql, values.network!)
    if (!network) throw new Error(`No network "${values.network}"`)
    try {
      io.out(JSON.stringify(await importGtfs(sql, network.id, zip), null, 2))
    } catch (e) {
      // A refused feed says what and where, as the HTTP answer does.
      if (e instanceof HalteError) throw new Error(`${e.code}: ${e.detailText?.en ?? e.message}`)
      throw e
    }
  })
  return 0
}

async function demoCommand(args: string[], { io, withDb }: Ctx): Promise<number> {
  const { values } = parseArgs({ args, options: { slug: { type: 'string', default: DEMO_SLUG } } })
  const config = loadConfig(process.env)
  const base = config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`
  await withDb(async ({ sql }) => {
    try {
      const d = await seedDemo(sql, values.slug!, new Date())
      const q = `?network=${d.network.slug}`
      io.out(
        [
          `${d.recreated ? 'Recreated' : 'Created'} the demo network "${d.network.slug}" (${d.network.name}): ${d.places} fictional refuges, ${d.stops} stops, night line D.`,
          `  ${base}/  (landing page, demo widgets)`,
          `  ${base}/console${q}   operator token: ${d.operatorToken}`,
          `  ${base}/driver${q}    driver token:   ${d.driverToken}`,
          `  ${base}/partner${q}   partner token:  ${d.partnerToken}`,
        ].join('\n'),
      )
    } catch (e) {
      if (e instanceof HalteError) throw new Error(e.detailText?.en ?? e.message)
      throw e
    }
  })
  return 0
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof MigrationChecksumError) console.error(e.message)
  else console.error(e instanceof Error ? e.message : e)
  process.exit(1)
})
