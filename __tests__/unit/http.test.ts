import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { ApiError, backoffDelay, GoogleHttp, toApiError, type RetryPolicy } from '../../src/google/http'

const TINY: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2000 }

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Reply = (res: ServerResponse, req: IncomingMessage) => void

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise(r => s.close(r))
  }
})

/** A local stand-in answering the n-th request with replies[n] (the last one repeats). */
async function serve(replies: Reply[]): Promise<{ root: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      replies[Math.min(seen.length - 1, replies.length - 1)](res, req)
    })
  })
  servers.push(server)
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen }
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  res => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
const googleError = (code: number, status: string, message: string): Reply => json(code, { error: { code, message, status } })
const drop: Reply = (_res, req) => req.socket.destroy()
const ok = json(200, { name: 'projects/p/locations/l/jobs/j', state: 'ENABLED' })

const client = (root: string, retry: RetryPolicy = TINY) => new GoogleHttp(root, async () => 'ya29.test-token', undefined, retry)

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x
  )
  expect(e).toBeInstanceOf(ApiError)
  return e as ApiError
}

describe('GoogleHttp requests', () => {
  it('sends the bearer token, alt=json and query, and parses the JSON', async () => {
    const s = await serve([ok])
    const r = await client(s.root).request<{ state: string }>('v1/projects/p/locations/l/jobs/j', { query: { pageSize: 500, pageToken: undefined } })
    expect(r.state).toBe('ENABLED')
    expect(s.seen).toHaveLength(1)
    expect(s.seen[0].method).toBe('GET')
    expect(s.seen[0].headers.authorization).toBe('Bearer ya29.test-token')
    const u = new URL(s.seen[0].url, 'http://x')
    expect(u.pathname).toBe('/v1/projects/p/locations/l/jobs/j')
    expect(u.searchParams.get('alt')).toBe('json')
    expect(u.searchParams.get('pageSize')).toBe('500')
    expect(u.searchParams.has('pageToken')).toBe(false)
  })

  it('POSTs a JSON body; PATCH keeps its method', async () => {
    const s = await serve([ok])
    await client(s.root).request('v1/x:run', { body: { a: 1 } })
    await client(s.root).request('v1/x', { method: 'PATCH', body: { b: 2 }, query: { updateMask: 'httpTarget.oidcToken.audience' } })
    expect(s.seen.map(x => [x.method, x.headers['content-type'], x.body])).toEqual([
      ['POST', 'application/json', '{"a":1}'],
      ['PATCH', 'application/json', '{"b":2}']
    ])
  })

  it('anonymous form requests carry no bearer token', async () => {
    const s = await serve([json(200, { access_token: 'x' })])
    await client(s.root).request('v1/token', { form: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' }, anonymous: true })
    expect(s.seen[0].headers.authorization).toBeUndefined()
    expect(s.seen[0].headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(s.seen[0].body).toBe('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange')
  })

  it('an empty 200 body is an empty object', async () => {
    const s = await serve([
      res => {
        res.writeHead(200)
        res.end()
      }
    ])
    expect(await client(s.root).request('v1/x')).toEqual({})
  })
})

describe('GoogleHttp retries', () => {
  it.each<[string, Reply[], number]>([
    ['429, 429, then 200', [googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'), googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'), ok], 3],
    ['503 then 200', [googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'), ok], 2],
    ['500, 502, 504 then 200', [googleError(500, 'INTERNAL', 'x'), googleError(502, '', 'bad gateway'), googleError(504, 'DEADLINE_EXCEEDED', 'x'), ok], 4],
    ['a dropped connection then 200', [drop, ok], 2],
    ['two dropped connections then 200', [drop, drop, ok], 3]
  ])('%s → succeeds after %d calls', async (_, replies, calls) => {
    const s = await serve(replies)
    const r = await client(s.root).request<{ state: string }>('v1/x')
    expect(r.state).toBe('ENABLED')
    expect(s.seen).toHaveLength(calls)
    // Every attempt carries the token again.
    for (const x of s.seen) expect(x.headers.authorization).toBe('Bearer ya29.test-token')
  })

  it('gives up after the bound with an ApiError keeping httpStatus and error.status', async () => {
    const s = await serve([googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.')])
    const e = await failure(client(s.root, { ...TINY, attempts: 3 }).request('v1/x'))
    expect(s.seen).toHaveLength(3)
    expect(e.httpStatus).toBe(503)
    expect(e.status).toBe('UNAVAILABLE')
    expect(e.message).toContain('The service is currently unavailable.')
    expect(e.message).toMatch(/^\(503\) UNAVAILABLE /)
    expect(e.url).toContain('/v1/x')
  })

  it('gives up on connections that always drop', async () => {
    const s = await serve([drop])
    const e = await failure(client(s.root, { ...TINY, attempts: 3 }).request('v1/x'))
    expect(s.seen).toHaveLength(3)
    expect(e.httpStatus).toBe(0)
    expect(e.status).toBe('UNAVAILABLE')
    expect(e.message).toMatch(/3 attempts/)
  })

  it('a server that never answers times out and is retried', async () => {
    const s = await serve([() => undefined])
    const started = Date.now()
    const e = await failure(client(s.root, { ...TINY, attempts: 2, timeoutMs: 100 }).request('v1/x'))
    expect(s.seen).toHaveLength(2)
    // Under jest the DOMException comes from another realm, so accept either wording.
    expect(e.message).toMatch(/timed out|timeout/i)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('Retry-After is honoured but capped at maxDelayMs', async () => {
    const s = await serve([json(429, { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'slow down' } }, { 'retry-after': '120' }), ok])
    const started = Date.now()
    await client(s.root).request('v1/x')
    expect(Date.now() - started).toBeLessThan(1000)
    expect(s.seen).toHaveLength(2)
  })

  it.each<[number, string, string]>([
    [400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'],
    [401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
    [403, 'PERMISSION_DENIED', "Permission 'cloudscheduler.jobs.get' denied on resource."],
    [404, 'NOT_FOUND', 'Job not found.'],
    [409, 'ABORTED', 'There were concurrent policy changes.']
  ])('does not retry %d: one call, the envelope parsed into the error', async (code, status, message) => {
    const s = await serve([googleError(code, status, message), ok])
    const e = await failure(client(s.root).request('v1/x'))
    expect(s.seen).toHaveLength(1)
    expect(e.httpStatus).toBe(code)
    expect(e.status).toBe(status)
    expect(e.message).toBe(`(${code}) ${status} ${message}`)
  })

  it('keeps a non-JSON error body as the message', async () => {
    const s = await serve([
      res => {
        res.writeHead(403, { 'content-type': 'text/html' })
        res.end('<html>Forbidden by org policy</html>')
      }
    ])
    const e = await failure(client(s.root).request('v1/x'))
    expect(e.httpStatus).toBe(403)
    expect(e.status).toBe('')
    expect(e.message).toContain('Forbidden by org policy')
  })

  it('withContext adds what was being done and keeps the status', async () => {
    const s = await serve([googleError(409, 'ABORTED', 'etag mismatch')])
    const e = (await failure(client(s.root).request('v1/x'))).withContext('Failed to set the IAM policy of projects/p/locations/l/services/s')
    expect(e.message).toBe('Failed to set the IAM policy of projects/p/locations/l/services/s: (409) ABORTED etag mismatch')
    expect([e.httpStatus, e.status]).toEqual([409, 'ABORTED'])
  })
})

describe('toApiError', () => {
  it.each<[number, string, string, string]>([
    [403, JSON.stringify({ error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } }), 'PERMISSION_DENIED', '(403) PERMISSION_DENIED denied'],
    [
      400,
      JSON.stringify({ error: 'invalid_grant', error_description: 'The audience in ID Token does not match.' }),
      'invalid_grant',
      '(400) invalid_grant The audience in ID Token does not match.'
    ],
    [502, 'upstream connect error', '', '(502) upstream connect error'],
    [500, '', '', '(500)'],
    [404, JSON.stringify({ error: { code: 404 } }), '', '(404) {"error":{"code":404}}']
  ])('%d %s', (code, text, status, message) => {
    const e = toApiError(code, text, 'https://x/')
    expect([e.httpStatus, e.status, e.message]).toEqual([code, status, message])
  })
})

describe('backoffDelay', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 8000 }
  const cases = [0, 1, 2, 3, 4, 5, 10, 30].flatMap(n => [0, 0.25, 0.5, 0.999999].map(r => [n, r] as const))
  it.each(cases)('attempt %d, random %d → within [0, min(max, base·2^n)]', (n, r) => {
    const d = backoffDelay(n, policy, () => r)
    expect(d).toBeGreaterThanOrEqual(0)
    expect(d).toBeLessThanOrEqual(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n))
    expect(Number.isInteger(d)).toBe(true)
  })

  it('grows with the attempt up to the cap (random → 1)', () => {
    expect([0, 1, 2, 3, 4, 5].map(n => backoffDelay(n, policy, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000])
  })

  it('stays in range with the real Math.random', () => {
    for (let i = 0; i < 500; i++) {
      const n = i % 8
      const d = backoffDelay(n, policy)
      expect(d >= 0 && d <= Math.min(8000, 500 * 2 ** n)).toBe(true)
    }
  })
})
