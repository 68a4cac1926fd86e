import { GoogleHttp, withContext } from './http'
import type { LogEntry } from './types'

/** Cloud Logging v2 `entries:list` (60 calls per minute per project: callers batch their queries). */
export class LoggingClient {
  constructor(private readonly http: GoogleHttp) {}

  async listEntries(req: { resourceNames: string[]; filter: string; orderBy?: string; pageSize?: number }): Promise<LogEntry[]> {
    const res = await withContext('Failed to read the Cloud Scheduler execution log', () =>
      this.http.request<{ entries?: LogEntry[] }>('v2/entries:list', {
        body: { orderBy: 'timestamp desc', pageSize: 100, ...req }
      })
    )
    return res.entries ?? []
  }
}
