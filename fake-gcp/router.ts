/** Routes: one table per API module, matched on method + decoded path, with named parameters. */
import type { IncomingHttpHeaders } from 'node:http'
import { ApiError, invalidArgument, unauthenticated } from './errors'
import type { Identity } from './policy'
import type { FakeState } from './state'
import type { AccessToken } from './tokens'

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

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
  /** the route template's named parameters, e.g. `job` for `.../jobs/{job}` */
  params: Record<string, string>
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
  /** the template it was declared with, for messages */
  template: string
  pattern: RegExp
  /** 'none': public endpoints (STS, GitHub OIDC, JWKS); everything else needs a bearer token */
  auth?: 'none'
  handler: Handler
  /** set by the registry: the gcloud ids of the API(s) the declaring module serves */
  apis?: readonly string[]
  /** set by the registry: OAuth scopes that cover this route (cloud-platform always does) */
  scopes?: readonly string[]
}

/**
 * Compile a path template: `{name}` is one path segment up to a `:verb` (`[^/:]+`), `{name:re}`
 * takes the regex source `re` instead; everything else is literal. Braces, as in Google's own
 * HTTP rules, keep a parameter apart from the `:verb` that follows it.
 */
export function compileTemplate(template: string): RegExp {
  let src = ''
  let rest = template
  while (rest) {
    const open = rest.indexOf('{')
    if (open < 0) {
      src += escapeRe(rest)
      break
    }
    const close = rest.indexOf('}', open)
    if (close < 0) throw new Error(`fake-gcp: unclosed parameter in route template ${template}`)
    src += escapeRe(rest.slice(0, open))
    const [name, re] = splitOnce(rest.slice(open + 1, close), ':')
    if (!/^[A-Za-z]\w*$/.test(name)) throw new Error(`fake-gcp: bad parameter name "${name}" in route template ${template}`)
    src += `(?<${name}>${re ?? '[^/:]+'})`
    rest = rest.slice(close + 1)
  }
  return new RegExp(`^${src}$`)
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)]
}

export const route = (method: string, template: string, handler: Handler, auth?: 'none'): Route => ({
  method,
  template,
  pattern: compileTemplate(template),
  handler,
  auth
})

/** Resolve the bearer token, or throw Google's 401; then the token's scopes must cover the API (403). */
export function authenticate(ctx: Ctx, r: Route): void {
  const h = ctx.headers.authorization ?? ''
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  const t = m ? ctx.state.tokens.resolve(m[1]) : undefined
  if (!t) throw unauthenticated()
  // "Existing access tokens for the service account are rejected" once it is disabled (IAM's
  // DisableServiceAccount reference), and accepted again after it is enabled
  const sa = /^serviceAccount:(.+)$/.exec(t.identity.member)?.[1]
  if (sa && ctx.state.serviceAccount(sa)?.disabled) throw unauthenticated()
  ctx.token = t
  ctx.identity = t.identity
  if (t.scopes && r.scopes && !t.scopes.some(s => s === CLOUD_PLATFORM || r.scopes!.includes(s))) throw scopeInsufficient(serviceName(ctx.host, r))
}

/** The host name Google would report as the service: the one addressed, or the module's first API. */
function serviceName(host: string, r: Route): string {
  const h = host.replace(/:\d+$/, '')
  if (/\.googleapis\.com$/.test(h)) return h.replace(/^[a-z]+-[a-z]+\d+-/, '')
  return `${(r.apis?.[0] ?? 'www').toLowerCase()}.googleapis.com`
}

/** Google's answer to a valid token whose scopes do not include the API's. */
export const scopeInsufficient = (service: string): ApiError =>
  new ApiError(403, 'Request had insufficient authentication scopes.', 'PERMISSION_DENIED', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', domain: 'googleapis.com', metadata: { service } }
  ])

export function match(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue
    const m = r.pattern.exec(path)
    if (m) return { route: r, params: { ...m.groups } }
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
