/** Routes: one table per API module, matched on method + decoded path. */
import type { IncomingHttpHeaders } from 'node:http'
import { unauthenticated } from './errors'
import type { Identity } from './policy'
import type { FakeState } from './state'
import type { AccessToken } from './tokens'

export interface Ctx {
  state: FakeState
  method: string
  /** percent-decoded path, e.g. /v1/projects/p/locations/l/jobs/j:run */
  path: string
  query: URLSearchParams
  body: Record<string, unknown>
  rawBody: string
  headers: IncomingHttpHeaders
  /** host the client addressed (gcloud reaches Cloud Run through REGION-host, via the proxy) */
  host: string
  params: string[]
  /** the official Node client's fallback transport asks for integer enums */
  intEnums: boolean
  /** root URL of this server, with trailing slash */
  baseUrl: string
  identity: Identity
  token?: AccessToken
}

export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {}
  ) {}
}

export type Handler = (ctx: Ctx) => unknown
export interface Route {
  method: string
  pattern: RegExp
  /** 'none': public endpoints (STS, GitHub OIDC, JWKS); everything else needs a bearer token */
  auth?: 'none'
  handler: Handler
}

export const route = (method: string, pattern: RegExp, handler: Handler, auth?: 'none'): Route => ({ method, pattern, handler, auth })

/** Resolve the bearer token, or throw Google's 401. */
export function authenticate(ctx: Ctx): void {
  const h = ctx.headers.authorization ?? ''
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  const t = m ? ctx.state.tokens.resolve(m[1]) : undefined
  if (!t) throw unauthenticated()
  ctx.token = t
  ctx.identity = t.identity
}

export function match(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue
    const m = r.pattern.exec(path)
    if (m) return { route: r, params: m.slice(1) }
  }
  return undefined
}
