import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

// Twilio's REST API as the real client meets it: Basic credentials checked, the form
// read, a message resource answered. Every accepted message is kept with its arrival.
export interface TwilioPeer {
  url: string
  messages: { to: string; from: string; body: string; at: number }[]
  refused: number
  close(): Promise<void>
}

async function readBody(req: IncomingMessage) {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString()
}

export async function startTwilioPeer(sid: string, token: string): Promise<TwilioPeer> {
  const expected = `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`
  const peer = { messages: [], refused: 0 } as unknown as TwilioPeer
  const server = createServer(async (req, res) => {
    const form = new URLSearchParams(await readBody(req))
    if (req.headers.authorization !== expected || req.url !== `/2010-04-01/Accounts/${sid}/Messages.json`) {
      peer.refused++
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }))
      return
    }
    const m = { to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '', at: performance.now() }
    peer.messages.push(m)
    res.writeHead(201, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ sid: `SM${String(peer.messages.length).padStart(32, '0')}`, status: 'queued', to: m.to, from: m.from, body: m.body }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  peer.close = () =>
    new Promise<void>((r) => {
      server.close(() => r())
      server.closeAllConnections()
    })
  return peer
}
