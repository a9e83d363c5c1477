// The limit for /healthz throughput: a bare Hono app on @hono/node-server, nothing else.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/healthz', (c) => c.json({ status: 'ok' }))
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  console.log(JSON.stringify({ msg: 'halte is listening', url: `http://127.0.0.1:${info.port}` }))
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))
