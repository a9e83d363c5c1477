// The client side of the control socket (see control.ts), in plain JavaScript so that
// `npx halte …` beside a running server answers without loading the TypeScript
// toolchain or the service: the server already holds the embedded database open.
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'

export const CONTROL_SOCKET = 'halte.sock'

// Commands that need the database; the others never go to the server.
const FORWARDED = new Set(['migrate', 'network', 'token', 'places', 'hours', 'gtfs', 'backup', 'restore'])

// Resolves to the exit code when a server on this data directory ran the command,
// or to undefined when there is none (the caller then opens the database itself).
export async function forwardToServer(argv, env = process.env) {
  if (!FORWARDED.has(argv[0] ?? '') || env.DATABASE_URL?.trim()) return undefined
  const root = resolve(env.HALTE_DATA_DIR?.trim() || './.halte')
  // A server still opening the database holds its lock before its socket is there: wait for it.
  const deadline = Date.now() + 120_000
  let told = false
  for (;;) {
    const code = await send(join(root, CONTROL_SOCKET), argv)
    if (code !== undefined) return code
    const pid = serverPid(root)
    if (pid === undefined || Date.now() > deadline) return undefined
    if (!told) process.stderr.write(`waiting for the server (process ${pid}) to finish starting…\n`)
    told = true
    await new Promise((r) => setTimeout(r, 200))
  }
}

// The process holding the data directory's lock, if alive.
function serverPid(root) {
  let pid
  try {
    pid = Number(readFileSync(join(root, 'halte.pid'), 'utf8'))
  } catch {
    return undefined
  }
  if (!pid || pid === process.pid) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (e) {
    return e.code === 'EPERM' ? pid : undefined
  }
}

function send(path, argv) {
  return new Promise((done, fail) => {
    const socket = connect(path)
    let buffer = ''
    let started = false
    let settled = false
    const finish = (code) => {
      if (settled) return
      settled = true
      socket.destroy()
      done(code)
    }
    socket.on('connect', () => {
      started = true
      socket.write(`${JSON.stringify({ argv, cwd: process.cwd() })}\n`)
    })
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8')
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i)
        buffer = buffer.slice(i + 1)
        if (!line) continue
        const msg = JSON.parse(line)
        if (msg.out !== undefined) process.stdout.write(`${msg.out}\n`)
        if (msg.err !== undefined) process.stderr.write(`${msg.err}\n`)
        if (msg.exit !== undefined) finish(msg.exit)
      }
    })
    socket.on('error', (err) => {
      // No socket, or one left by a server that died: nobody is serving this directory.
      if (!started && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')) return finish(undefined)
      if (!settled) {
        settled = true
        fail(err)
      }
    })
    socket.on('close', () => {
      if (!settled && started) {
        settled = true
        fail(new Error('the running server closed the connection before the command ended (it may be stopping); run the command again'))
      }
    })
  })
}
