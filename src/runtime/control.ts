import { chmodSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'

// While a server holds the embedded database, it is the only process that may open it
// (PGlite is single-process, and its socket server shares one session between clients,
// whose unnamed statements would interleave). CLI commands are therefore sent to the
// server on a Unix socket in the data directory and run there, on its connection.
// The socket is the owner's alone (0600), like the database files beside it.

export interface CommandIo {
  out(text: string): void
  err(text: string): void
}

export type CommandRunner = (argv: string[], cwd: string, io: CommandIo) => Promise<number>

export interface Control {
  close(): Promise<void>
}

export async function startControl(path: string, run: CommandRunner): Promise<Control> {
  // A socket file left by a process that died would make listen fail: the data
  // directory's lock, taken before this, says nobody else serves it.
  rmSync(path, { force: true })
  const server = createServer((socket) => {
    socket.on('error', () => {})
    let buffer = ''
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8')
      const end = buffer.indexOf('\n')
      if (end < 0) return
      const line = buffer.slice(0, end)
      buffer = ''
      socket.removeAllListeners('data')
      const send = (msg: object) => socket.writable && socket.write(`${JSON.stringify(msg)}\n`)
      let request: { argv?: unknown; cwd?: unknown }
      try {
        request = JSON.parse(line)
      } catch {
        send({ err: 'malformed request', exit: 2 })
        socket.end()
        return
      }
      const argv = Array.isArray(request.argv) ? request.argv.map(String) : []
      const cwd = typeof request.cwd === 'string' ? request.cwd : process.cwd()
      run(argv, cwd, { out: (text) => send({ out: text }), err: (text) => send({ err: text }) }).then(
        (exit) => {
          send({ exit })
          socket.end()
        },
        (e: unknown) => {
          send({ err: e instanceof Error ? e.message : String(e), exit: 1 })
          socket.end()
        },
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  chmodSync(path, 0o600)
  return {
    async close() {
      // Commands under way finish (they end their socket); new ones are refused.
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(path, { force: true })
    },
  }
}
