import type { Sql } from 'postgres'
import type { Config } from './config.ts'
import type { PeerAddress } from './http/client.ts'
import type { Logger } from './logger.ts'
import type { PushSender, SmsSender } from './notify/ports.ts'
import { noSignal, type Signal } from './realtime/signal.ts'

// Ports the app is built from. Each runtime (Node, Workers, tests) provides its own.
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export interface Services {
  sql: Sql
  // Sessions for the public nearest search, which plan its statement once (absent: sql).
  searchSql?: Sql
  // A session of its own for /readyz (absent: sql).
  probeSql?: Sql
  clock: Clock
  logger: Logger
  config: Config
  // Wakes real-time streams (noSignal where none can: they poll).
  signal: Signal
  // Outbox senders; absent, messages wait in the outbox for an instance that has them.
  push?: PushSender
  sms?: SmsSender
  // The socket peer's address, as the runtime knows it (absent: every caller is 'unknown').
  peerAddress?: PeerAddress
  // Asks the outbox dispatcher to run now rather than at its next tick (a no-op where
  // no dispatcher runs in this process: the messages wait for one).
  wakeOutbox: () => void
}

// What a runtime may leave out: the wake-ups. Filled with their no-op stand-ins, so the
// code that wakes never asks whether it can.
export type ServicesInput = Omit<Services, 'signal' | 'wakeOutbox'> & Partial<Pick<Services, 'signal' | 'wakeOutbox'>>

export function withPorts<T extends object>(s: T & Partial<Pick<Services, 'signal' | 'wakeOutbox'>>): T & Pick<Services, 'signal' | 'wakeOutbox'> {
  return { ...s, signal: s.signal ?? noSignal, wakeOutbox: s.wakeOutbox ?? (() => {}) }
}
