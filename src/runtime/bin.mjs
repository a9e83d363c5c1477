#!/usr/bin/env node
// `npx halte …` and `npm start`: one Node process (signals reach the server itself).
// A command beside a server on the same embedded database is run by that server;
// otherwise the TypeScript CLI runs here through tsx's in-process loader.
import { forwardToServer } from './control-client.mjs'

const argv = process.argv.slice(2)
let forwarded
try {
  forwarded = await forwardToServer(argv)
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
}
if (forwarded !== undefined) {
  process.exitCode = forwarded
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('./cli.ts')
}
