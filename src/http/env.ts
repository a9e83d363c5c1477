import type { Principal } from '../auth/principal.ts'
import type { Lang } from '../errors.ts'
import type { Logger } from '../logger.ts'

// Per-request variables every handler may read.
export interface AppEnv {
  Variables: {
    requestId: string
    lang: Lang
    log: Logger
    principal?: Principal
    // A stream being opened: called once it is open (see realtime/openings.ts).
    opened?: () => void
  }
}
