import { GoogleHttp, withContext } from './http'
import type { LogEntry } from './types'

export interface ListEntriesRequest {
  resourceNames: string[]
  filter: string
  orderBy?: string
  pageSize?: number
}

/** Cloud Logging v2 `entries:list` (60 calls per minute per project: callers batch their queries). */
export interface LoggingClient {
  /** The first page with entries (see RestLoggingClient). */
  listEntries(req: ListEntriesRequest): Promise<LogEntry[]>
}

export class RestLoggingClient implements LoggingClient {
  constructor(private readonly http: GoogleHttp) {}

  /**
   * The first page with entries. Logging may answer empty pages with a nextPageToken while it
   * scans; up to MAX_EMPTY_PAGES of those are followed (each is a read against the quota).
   */
  async listEntries(req: ListEntriesRequest): Promise<LogEntry[]> {
    let pageToken: string | undefined
    for (let page = 0; ; page++) {
      const res = await withContext('Failed to read the Cloud Scheduler execution log', () =>
        this.http.request<{ entries?: LogEntry[]; nextPageToken?: string }>('v2/entries:list', {
          body: { orderBy: 'timestamp desc', pageSize: 100, ...req, ...(pageToken ? { pageToken } : {}) }
        })
      )
      if (res.entries?.length || !res.nextPageToken || page >= MAX_EMPTY_PAGES) return res.entries ?? []
      pageToken = res.nextPageToken
    }
  }
}

const MAX_EMPTY_PAGES = 2
