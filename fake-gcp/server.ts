/** One node:http server for every API; also accepts proxy-style absolute URLs (gcloud's regional Cloud Run hosts). */
import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiError, notFound } from './errors'
import { FaultInjector } from './faults'
import { authenticate, match, Reply, type Ctx, type Route } from './router'
import type { FakeState, RequestRecord } from './state'

const ANONYMOUS = { member: 'anonymous', aliases: ['allUsers'] }
const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

export interface Server {
  url: string
  port: number
  close(): Promise<void>
}

/** A request as the routes see it, whether it came over HTTP or from inside the stand-in (a Scheduler attempt). */
export interface Incoming {
  method: string
  /** the host addressed */
  host: string
  /** percent-decoded */
  path: string
  rawQuery: string
  rawBody: string
  headers: IncomingHttpHeaders
}
export interface Outgoing {
  status: number
  payload: unknown
  headers: Record<string, string>
  /** the caller, once its token was accepted */
  principal?: string
}

/** Route matching, authentication and the handler's answer: everything a request meets after the wire. */
export class Dispatcher {
  /** root URL of the server, set once it listens */
  baseUrl = ''
  private readonly debug = !!process.env.FAKE_GCP_DEBUG
  constructor(
    private readonly state: FakeState,
    private readonly routes: Route[]
  ) {}

  /** `only` narrows the routes, e.g. to those of the API a URL's host names. */
  async dispatch(req: Incoming, only?: (r: Route) => boolean): Promise<Outgoing> {
    const { method, path, rawBody } = req
    const query = new URLSearchParams(req.rawQuery)
    const found = match(only ? this.routes.filter(only) : this.routes, method, path)
    let ctx: Ctx | undefined
    const principal = (): string | undefined => (ctx && ctx.identity !== ANONYMOUS ? ctx.identity.member : undefined)
    try {
      if (!found) {
        if (this.debug) process.stderr.write(`fake-gcp: no route for ${method} ${req.host} ${path} ${rawBody.slice(0, 500)}\n`)
        throw notFound(`The requested URL ${path} was not found on this server.`)
      }
      ctx = {
        state: this.state,
        method,
        path,
        query,
        body: parseBody(rawBody, req.headers['content-type']),
        rawBody,
        headers: req.headers,
        host: req.host,
        params: found.params,
        intEnums: /enum-encoding=int/.test(query.get('$alt') ?? ''),
        baseUrl: this.baseUrl,
        identity: ANONYMOUS
      }
      if (found.route.auth !== 'none') authenticate(ctx, found.route)
      const out = await found.route.handler(ctx)
      if (out instanceof Reply) return { status: out.status, payload: out.body, headers: out.headers, principal: principal() }
      return { status: 200, payload: out, headers: {}, principal: principal() }
    } catch (e) {
      let status = 500
      let payload: unknown
      if (e instanceof ApiError) {
        status = e.code
        payload = e.body()
      } else {
        payload = new ApiError(500, 'Internal error encountered.').body()
        process.stderr.write(`fake-gcp: handler crashed on ${method} ${path}: ${(e as Error).stack}\n`)
      }
      if (this.debug) process.stderr.write(`fake-gcp: ${method} ${req.host} ${path} -> ${status} ${JSON.stringify(payload).slice(0, 300)}\n`)
      return { status, payload, headers: {}, principal: principal() }
    }
  }
}

export async function listen(state: FakeState, dispatcher: Dispatcher, port = 0): Promise<Server> {
  const faults = new FaultInjector(state.scenario.faults ?? [])

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: Error) => {
        process.stderr.write(`fake-gcp: ${e.stack}\n`)
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify(new ApiError(500, 'Internal error encountered.').body()))
      })
    })
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): Promise<void> {
    const method = req.method ?? 'GET'
    // absolute-form targets come from clients using us as a proxy; WHATWG URL rejects hosts like us-central1-127.0.0.1
    const abs = /^https?:\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?/.exec(req.url ?? '')
    const host = abs ? abs[1] : (req.headers.host ?? '127.0.0.1')
    const rawPath = abs ? abs[2] || '/' : (req.url ?? '/').split('?')[0]
    const rawQuery = abs ? (abs[3] ?? '') : (req.url ?? '').split('?').slice(1).join('?')
    let path = rawPath
    try {
      path = decodeURIComponent(rawPath)
    } catch {
      /* keep raw */
    }
    // only requests that came over the wire are logged: the log is what clients sent
    const record: RequestRecord = { method, path, query: rawQuery, body: parseLoose(rawBody, req.headers['content-type']), status: 0, time: Date.now() }
    state.requests.push(record)

    if (state.settings.latencyMs) await sleep(state.settings.latencyMs)

    const hit = faults.match(method, path)
    // A latency spike: answered as usual, only late.
    if (hit?.kind === 'slow') await sleep(hit.delayMs ?? 2000)
    const fault = hit?.kind === 'slow' ? undefined : hit?.kind
    if (fault === 'drop') {
      record.status = 0
      req.socket.destroy()
      return
    }
    let status: number
    let payload: unknown
    let headers: Record<string, string>
    if (fault !== undefined) {
      ;({ status, payload, headers } = faultReply(fault))
    } else {
      const out = await dispatcher.dispatch({ method, host, path, rawQuery, rawBody, headers: req.headers })
      ;({ status, payload, headers } = out)
      if (out.principal) record.principal = out.principal
    }
    record.status = status
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload ?? {})
    record.response = typeof payload === 'string' ? payload : (JSON.parse(text) as unknown)
    res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/html; charset=UTF-8' : 'application/json; charset=UTF-8', ...headers })
    res.end(text)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const actual = (server.address() as AddressInfo).port
  dispatcher.baseUrl = `http://127.0.0.1:${actual}/`
  return {
    url: dispatcher.baseUrl,
    port: actual,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function faultReply(kind: number): { status: number; payload: unknown; headers: Record<string, string> } {
  // 502 comes from Google's front end as an HTML page, not the JSON envelope
  if (kind === 502)
    return { status: 502, payload: '<!DOCTYPE html><title>Error 502 (Server Error)!!1</title><p><b>502.</b> <ins>That’s an error.</ins>', headers: {} }
  const messages: Record<number, string> = {
    429: 'Quota exceeded for quota metric and limit. Please retry with exponential backoff.',
    500: 'Internal error encountered.',
    503: 'The service is currently unavailable.',
    504: 'The request timed out. Please try again.'
  }
  return { status: kind, payload: new ApiError(kind, messages[kind] ?? 'Error').body(), headers: kind === 429 || kind === 503 ? { 'retry-after': '1' } : {} }
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw.trim()) return {}
  if (/x-www-form-urlencoded/.test(contentType ?? '')) return Object.fromEntries(new URLSearchParams(raw))
  try {
    const v = JSON.parse(raw) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch (e) {
    throw new ApiError(400, `Invalid JSON payload received. ${(e as Error).message}`, 'INVALID_ARGUMENT')
  }
  throw new ApiError(400, 'Invalid JSON payload received. Expected an object.', 'INVALID_ARGUMENT')
}

function parseLoose(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined
  try {
    return parseBody(raw, contentType)
  } catch {
    return raw
  }
}
