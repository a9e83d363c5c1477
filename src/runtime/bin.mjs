#!/usr/bin/env node
// `npx halte …`: run the TypeScript CLI through tsx's loader, no build step needed.
import { register } from 'tsx/esm/api'

register()
await import('./cli.ts')
