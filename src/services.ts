import type { Sql } from 'postgres'
import type { Config } from './config.ts'
import type { PeerAddress } from './http/client.ts'
import type { Logger } from './logger.ts'
import type { PushSender, SmsSender } from './notify/ports.ts'
import type { Signal } from './realtime/signal.ts'

// Ports the app is built from. Each runtime (Node, Workers, tests) provides its own.
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export interface Services {
  sql: Sql
  // Sessions for the public nearest search, which plan its statement once (absent: sql).
  searchSql?: Sql
  clock: Clock
  logger: Logger
  config: Config
  // Wakes real-time streams; absent, they poll.
  signal?: Signal
  // Outbox senders; absent, messages wait in the outbox for an instance that has them.
  push?: PushSender
  sms?: SmsSender
  // The socket peer's address, as the runtime knows it (absent: every caller is 'unknown').
  peerAddress?: PeerAddress
  // Asks the outbox dispatcher to run now rather than at its next tick.
  wakeOutbox?: () => void
}
