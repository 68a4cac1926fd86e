import { Semaphore } from '../limit'

/**
 * The one HTTP policy every Google client uses: bearer token, JSON, a timeout on every call,
 * and bounded exponential backoff with jitter on 429/5xx and dropped connections.
 */

/** A Google API error that keeps the HTTP status and Google's `error.status` (ABORTED, …). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly status: string,
    readonly url: string
  ) {
    super(message)
  }

  /** A copy whose message says what was being done: `Failed to X: (403) PERMISSION_DENIED …`. */
  withContext(what: string): ApiError {
    return new ApiError(`${what}: ${this.message}`, this.httpStatus, this.status, this.url)
  }
}

/** Runs a call, prefixing any ApiError with what was being done (`Failed to read job …: (403) …`). */
export async function withContext<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (e) {
    throw e instanceof ApiError ? e.withContext(what) : e
  }
}

/** Calls in flight at once, across every API: a project-wide audit never bursts past it. */
export const MAX_IN_FLIGHT = 16

export interface RetryPolicy {
  attempts: number
  baseDelayMs: number
  maxDelayMs: number
  timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, timeoutMs: 30000 }

const RETRYABLE = new Set([429, 500, 502, 503, 504])

/** Full jitter: a random delay in [0, min(max, base·2^n)], so parallel callers spread out. */
export function backoffDelay(attempt: number, p: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  return Math.round(random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt))
}

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

export type TokenSource = () => Promise<string>

export interface Debug {
  (message: () => string): void
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH'
  query?: Record<string, string | number | undefined>
  body?: unknown
  /** Form-encoded body (STS) instead of JSON. */
  form?: Record<string, string>
  /** Skip the bearer token (STS exchange). */
  anonymous?: boolean
}

/** Sends requests to one API root with the shared policy; each client wraps one of these. */
export class GoogleHttp {
  constructor(
    readonly root: string,
    private readonly token: TokenSource,
    private readonly debug: Debug = () => {},
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly inFlight: Semaphore = new Semaphore(MAX_IN_FLIGHT)
  ) {}

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.root)
    url.searchParams.set('alt', 'json')
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    const method = opts.method ?? (opts.body !== undefined || opts.form ? 'POST' : 'GET')
    const headers: Record<string, string> = { 'user-agent': 'scheduler-oidc-doctor/1' }
    let body: string | undefined
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(opts.form).toString()
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }

    for (let attempt = 0; ; attempt++) {
      if (!opts.anonymous) headers.authorization = `Bearer ${await this.token()}`
      let res: Response
      try {
        res = await this.inFlight.run(() => fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.retry.timeoutMs) }))
      } catch (e) {
        const reason = describeNetworkError(e)
        if (attempt + 1 < this.retry.attempts) {
          const delay = backoffDelay(attempt, this.retry)
          this.debug(() => `${method} ${url.pathname}: ${reason}; retry ${attempt + 1} in ${delay} ms`)
          await sleep(delay)
          continue
        }
        throw new ApiError(`${method} ${url.pathname} failed after ${attempt + 1} attempts: ${reason}`, 0, 'UNAVAILABLE', url.href)
      }
      const text = await res.text()
      if (res.ok) {
        this.debug(() => `${method} ${url.pathname} → ${res.status}`)
        return (text ? JSON.parse(text) : {}) as T
      }
      if (RETRYABLE.has(res.status) && attempt + 1 < this.retry.attempts) {
        const after = Number(res.headers.get('retry-after'))
        const delay = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, this.retry.maxDelayMs) : backoffDelay(attempt, this.retry)
        this.debug(() => `${method} ${url.pathname} → ${res.status}; retry ${attempt + 1} in ${delay} ms`)
        await sleep(delay)
        continue
      }
      throw toApiError(res.status, text, url.href)
    }
  }
}

/** Follows `nextPageToken` through a list method, collecting the items under `key`. */
export async function listAll<T>(http: GoogleHttp, path: string, key: string): Promise<T[]> {
  const items: T[] = []
  let pageToken: string | undefined
  do {
    const page = await http.request<Record<string, unknown> & { nextPageToken?: string }>(path, { query: { pageSize: 500, pageToken } })
    items.push(...((page[key] as T[] | undefined) ?? []))
    pageToken = page.nextPageToken || undefined
  } while (pageToken)
  return items
}

function describeNetworkError(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'timed out'
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    return cause?.code ?? cause?.message ?? e.message
  }
  return String(e)
}

/** Google's error envelope `{"error":{"code","message","status"}}`, or the raw text. */
export function toApiError(httpStatus: number, text: string, url: string): ApiError {
  let status = ''
  let message = text.slice(0, 300)
  try {
    const e = (JSON.parse(text) as { error?: { message?: string; status?: string } | string; error_description?: string }).error
    if (typeof e === 'object' && e) {
      status = e.status ?? ''
      message = e.message ?? message
    } else if (typeof e === 'string') {
      status = e
      message = (JSON.parse(text) as { error_description?: string }).error_description ?? e
    }
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(`(${httpStatus}) ${status ? status + ' ' : ''}${message}`.trim(), httpStatus, status, url)
}
