/** Routes: one table per API module, matched on method + decoded path. */
import type { IncomingHttpHeaders } from 'node:http'
import { invalidArgument, unauthenticated } from './errors'
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

/**
 * One page of a List method: `pageSize` (0 or absent → `maxSize`, capped at it) and an opaque
 * `pageToken`, as Google's List methods take them in the query.
 */
export function listPage<T>(c: Ctx, items: T[], key: string, maxSize: number, render: (x: T) => unknown = x => x): Record<string, unknown> {
  const size = Math.min(Number(c.query.get('pageSize') ?? 0) || maxSize, maxSize)
  const token = c.query.get('pageToken')
  const start = token
    ? Number(
        Buffer.from(token, 'base64')
          .toString('utf8')
          .replace(/^offset:/, '')
      )
    : 0
  if (token && !Number.isInteger(start)) throw invalidArgument('Invalid page token.')
  const page = items.slice(start, start + size)
  const out: Record<string, unknown> = {}
  if (page.length) out[key] = page.map(render)
  if (start + size < items.length) out.nextPageToken = Buffer.from(`offset:${start + size}`).toString('base64')
  return out
}
