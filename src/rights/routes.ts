import { createRouter } from '../http/router.ts'
import type { Services } from '../services.ts'
import { registerAudit } from './audit-routes.ts'
import { registerHolds } from './hold-routes.ts'
import { registerPartnerRights } from './partner-routes.ts'
import { registerRequesterRights } from './requester-routes.ts'

// People's rights over what halte holds (access, erasure), legal holds, and the ethics
// committee's read-out (issue 14).
export function rightsApp(s: Services) {
  const app = createRouter()
  registerRequesterRights(app, s)
  registerPartnerRights(app, s)
  registerHolds(app, s)
  registerAudit(app, s)
  return app
}
