import { parse } from 'csv-parse/sync'

// GTFS files arrive as inflated chunks. A chunk is cut after the last line break that
// is outside quotes (a quoted field may hold one), csv-parse reads the complete rows,
// and the rest waits for the next chunk: memory stays one chunk, whatever the file.
export class ChunkedCsv {
  private decoder = new TextDecoder('utf-8')
  private pending = ''
  private scanned = 0
  private inQuotes = false
  private header: string[] | null = null
  line = 0 // line number of the last row handed out (header is line 1)

  constructor(
    readonly file: string,
    private onRow: (row: Record<string, string>, line: number) => void,
  ) {}

  push(bytes: Uint8Array, final: boolean) {
    this.pending += this.decoder.decode(bytes, { stream: !final })
    let cut = -1
    for (let i = this.scanned; i < this.pending.length; i++) {
      const ch = this.pending.charCodeAt(i)
      if (ch === 34) this.inQuotes = !this.inQuotes
      else if (ch === 10 && !this.inQuotes) cut = i
    }
    this.scanned = this.pending.length
    if (final) cut = this.pending.length - 1
    if (cut < 0) return
    const text = this.pending.slice(0, cut + 1)
    this.pending = this.pending.slice(cut + 1)
    this.scanned = this.pending.length
    this.rows(text)
  }

  private rows(text: string) {
    let records: string[][]
    try {
      records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true })
    } catch (e) {
      throw new CsvError(this.file, this.line + 1, e instanceof Error ? e.message : String(e))
    }
    for (const record of records) {
      this.line++
      if (!this.header) {
        this.header = record.map((h) => h.replace(/^\uFEFF/, '').trim())
        continue
      }
      const row: Record<string, string> = {}
      for (let i = 0; i < this.header.length; i++) row[this.header[i]!] = record[i] ?? ''
      this.onRow(row, this.line)
    }
  }
}

export class CsvError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}
