import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { Agent, createServer, type Server } from 'node:https'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A real push service for tests: the web-push-testing server (verifies the VAPID JWT,
// decrypts aes128gcm, answers 410 for expired subscriptions) behind a TLS front of
// our own whose certificate comes from a throw-away CA. The front can also be told to
// answer with a given status, as a push service under load would.

export interface PushPeer {
  ca: Buffer
  agent: Agent
  // host:port of the TLS front, for HALTE_PUSH_ALLOWED_HOSTS: it is not a public host.
  host: string
  subscribe(applicationServerKey: string): Promise<{ endpoint: string; keys: { p256dh: string; auth: string }; clientHash: string }>
  expire(clientHash: string): Promise<void>
  messages(clientHash: string): Promise<string[]>
  // The next `count` pushes get this status instead of reaching the service (replaces earlier faults).
  failNext(status: number, count: number): void
  // Until cleared (null), every push gets this status (429 with its Retry-After, in seconds).
  setFault(fault: { status: number; retryAfterS?: number } | null): void
  // Every answer the front gave: the push's Topic, its path (which subscription), the status.
  answers: { topic: string; path: string; status: number; at: number }[]
  received: number
  // The push service's own process, for whoever counts CPU.
  pid: number
  close(): Promise<void>
}

export function makeCa(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=halte test CA')
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  run('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '1', '-extfile', 'ext.cnf')
  return { ca: readFileSync(join(dir, 'ca.pem')), key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.pem')) }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export async function startPushPeer(): Promise<PushPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'halte-push-'))
  const tls = makeCa(dir)
  const port = await freePort()
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const S = require('web-push-testing/src/server.js'); const { PushApiModel } = require('web-push-testing/src/PushApiModel.js');
       new S(new PushApiModel(), ${port}).startServer()`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('push peer did not start')), 15_000)
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Server running')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`push peer exited ${code}`)))
  })
  const backend = `http://localhost:${port}`
  const call = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${backend}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const text = await res.text()
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`)
    return text.startsWith('{') ? JSON.parse(text) : {}
  }
  const faults: number[] = []
  let standing: { status: number; retryAfterS?: number } | null = null
  const peer = { received: 0, answers: [] } as unknown as PushPeer
  const front: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    peer.received++
    const answered = (status: number) =>
      peer.answers.push({ topic: String(req.headers.topic ?? ''), path: req.url ?? '', status, at: performance.now() })
    const fault = faults.shift() ?? standing?.status
    if (fault !== undefined) {
      req.resume()
      const retryAfter = String(standing?.retryAfterS ?? 1)
      res.writeHead(fault, fault === 429 ? { 'retry-after': retryAfter } : {}).end()
      answered(fault)
      return
    }
    const up = httpRequest(`${backend}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      answered(r.statusCode ?? 502)
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.writeHead(502).end())
    req.pipe(up)
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  const frontPort = (front.address() as { port: number }).port
  const agent = new Agent({ ca: tls.ca, keepAlive: true })
  Object.assign(peer, {
    ca: tls.ca,
    agent,
    pid: child.pid,
    host: `localhost:${frontPort}`,
    async subscribe(applicationServerKey: string) {
      const { data } = await call('/subscribe', { applicationServerKey, userVisibleOnly: 'true' })
      const endpoint = String(data.endpoint).replace(backend, `https://localhost:${frontPort}`)
      return { endpoint, keys: data.keys, clientHash: data.clientHash }
    },
    async expire(clientHash: string) {
      await call(`/expire-subscription/${clientHash}`)
    },
    async messages(clientHash: string) {
      const { data } = await call('/get-notifications', { clientHash })
      return data.messages as string[]
    },
    failNext(status: number, count: number) {
      faults.length = 0
      for (let i = 0; i < count; i++) faults.push(status)
    },
    setFault(fault: { status: number; retryAfterS?: number } | null) {
      standing = fault
    },
    async close() {
      agent.destroy()
      await new Promise<void>((resolve) => front.close(() => resolve()))
      front.closeAllConnections()
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  })
  return peer
}
