import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'

export const CLI = resolve('src/runtime/bin.mjs')

export interface Child {
  proc: ChildProcess
  output(): string
  exited: Promise<number | null>
  // Resolves with the first stdout/stderr line matching re.
  waitFor(re: RegExp, ms?: number): Promise<string>
  stop(): Promise<void>
}

// Runs the real CLI in its own process, as `npx halte …` would, and keeps its output.
export function runCli(args: string[], env: Record<string, string | undefined>): Child {
  return runCommand(process.execPath, [CLI, ...args], env)
}

export function runCommand(command: string, args: string[], env: Record<string, string | undefined>): Child {
  const cleanEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) cleanEnv[k] = v
  const proc = spawn(command, args, { env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)))
  return {
    proc,
    output: () => out,
    exited,
    waitFor(re, ms = 90_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const line = out.split('\n').find((l) => re.test(l))
          if (line !== undefined) {
            cleanup()
            res(line)
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          rej(new Error(`timed out waiting for ${re} in:\n${out}`))
        }, ms)
        const onExit = () => {
          check()
          cleanup()
          rej(new Error(`process exited before ${re}:\n${out}`))
        }
        const cleanup = () => {
          clearTimeout(timer)
          listeners.delete(check)
          proc.off('exit', onExit)
        }
        listeners.add(check)
        proc.on('exit', onExit)
        check()
      })
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// The URL a started server logs ("halte is listening").
export async function listeningUrl(child: Child): Promise<string> {
  const line = await child.waitFor(/"msg":"halte is listening"/)
  return (JSON.parse(line) as { url: string }).url
}
