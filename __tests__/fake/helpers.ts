/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are asserted field by field */
/** Direct REST calls to the stand-in, each bounded by a timeout. */
import type { FakeGcp } from '../../fake-gcp'

export interface Res {
  status: number
  body: any
}

export async function call(fake: FakeGcp, method: string, path: string, body?: unknown, token: string | null = fake.tokenFor(fake.state.caller)): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const r = await fetch(`${fake.url}${path.replace(/^\//, '')}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000)
  })
  const text = await r.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    /* not JSON (e.g. the 502 page) */
  }
  return { status: r.status, body: parsed }
}

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))
