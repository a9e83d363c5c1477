import { Unzip, UnzipInflate } from 'fflate'
import { HalteError } from '../../errors.ts'
import { ChunkedCsv, CsvError } from './csv.ts'

// Streams a GTFS zip: entries are inflated chunk by chunk and parsed row by row, so an
// 18 MB stop_times.txt never sits in memory whole. The caller drains rows between
// chunks (its inserts are async; inflation is not).

export const GTFS_FILES = [
  'agency.txt',
  'routes.txt',
  'stops.txt',
  'trips.txt',
  'stop_times.txt',
  'shapes.txt',
  'calendar.txt',
  'calendar_dates.txt',
] as const
export type GtfsFile = (typeof GTFS_FILES)[number]

export interface FileError {
  path: string
  message: string
}

export function invalidGtfs(errors: FileError[]): HalteError {
  const list = errors.map((e) => `${e.path} : ${e.message}`).join(' ; ')
  return new HalteError(
    400,
    'invalid_gtfs',
    { fr: `Flux GTFS refusé, l'import précédent reste en vigueur. ${list}`, en: `GTFS feed refused, the previous import stays in force. ${list}` },
    { errors },
  )
}

// Uncompressed bytes allowed: enough for a city's feed, not for a zip bomb. A real feed
// deflates about tenfold; a bomb, a thousandfold.
export function uncompressedCap(zipBytes: number): number {
  return Math.min(512 * 1024 * 1024, Math.max(16 * 1024 * 1024, zipBytes * 200))
}

export async function readGtfs(
  zip: Uint8Array,
  onRow: (file: GtfsFile, row: Record<string, string>, line: number) => void,
  drain: () => Promise<void>,
  opts: { maxUncompressed?: number; chunk?: number } = {},
): Promise<Set<GtfsFile>> {
  if (zip.length < 22 || zip[0] !== 0x50 || zip[1] !== 0x4b) {
    throw invalidGtfs([{ path: '(body)', message: zip.length === 0 ? 'empty body / corps vide' : 'not a zip file / pas un fichier zip' }])
  }
  const cap = opts.maxUncompressed ?? uncompressedCap(zip.length)
  const seen = new Set<GtfsFile>()
  let total = 0
  let failure: unknown
  const unzip = new Unzip((entry) => {
    const name = entry.name.split('/').pop() as GtfsFile
    if (!(GTFS_FILES as readonly string[]).includes(name) || seen.has(name)) return
    seen.add(name)
    const csv = new ChunkedCsv(name, (row, line) => onRow(name, row, line))
    entry.ondata = (err, data, final) => {
      if (failure) return
      try {
        if (err) throw err
        total += data.length
        if (total > cap) {
          throw new HalteError(413, 'payload_too_large', {
            fr: `Le zip dépasse ${Math.round(cap / 1048576)} Mio une fois décompressé : refusé.`,
            en: `The zip inflates past ${Math.round(cap / 1048576)} MiB: refused.`,
          })
        }
        csv.push(data, final)
      } catch (e) {
        failure = e
        entry.terminate()
      }
    }
    entry.start()
  })
  unzip.register(UnzipInflate)
  const step = opts.chunk ?? 64 * 1024
  for (let at = 0; at < zip.length && !failure; at += step) {
    try {
      unzip.push(zip.subarray(at, at + step), at + step >= zip.length)
    } catch (e) {
      failure ??= invalidGtfs([{ path: '(zip)', message: e instanceof Error ? e.message : String(e) }])
    }
    if (!failure) await drain()
  }
  if (failure instanceof CsvError) throw invalidGtfs([{ path: `${failure.file}:${failure.line}`, message: failure.message }])
  if (failure) throw failure
  const missing = ['agency.txt', 'routes.txt', 'stops.txt', 'trips.txt', 'stop_times.txt'].filter((f) => !seen.has(f as GtfsFile))
  if (!seen.has('calendar.txt') && !seen.has('calendar_dates.txt')) missing.push('calendar.txt | calendar_dates.txt')
  if (missing.length) throw invalidGtfs(missing.map((f) => ({ path: f, message: 'required file missing / fichier obligatoire absent' })))
  return seen
}
