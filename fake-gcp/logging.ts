/** Cloud Logging v2 entries:list, with ingestion delay and the per-project read quota. */
import { ApiError, invalidArgument } from './errors'
import { parseFilter } from './filter'
import type { ApiModule } from './module'
import { route, type Route } from './router'
import type { FakeState } from './state'

/** Sliding 60-second window of entries:list calls per project, as Logging's read quota counts them. */
export class ReadQuota {
  private readonly calls = new Map<string, number[]>()
  constructor(private readonly perMinute: number) {}
  take(project: string, now = Date.now()): boolean {
    const recent = (this.calls.get(project) ?? []).filter(t => now - t < 60_000)
    if (recent.length >= this.perMinute) {
      this.calls.set(project, recent)
      return false
    }
    recent.push(now)
    this.calls.set(project, recent)
    return true
  }
}

function loggingRoutes(state: FakeState): Route[] {
  const quota = new ReadQuota(state.settings.loggingReadsPerMinute)
  return [
    route('POST', '/v2/entries:list', c => {
      const b = c.body as { resourceNames?: string[]; projectIds?: string[]; filter?: string; orderBy?: string; pageSize?: number; pageToken?: string }
      const names = [...(b.resourceNames ?? []), ...(b.projectIds ?? []).map(p => `projects/${p}`)]
      if (!names.length) throw invalidArgument('resourceNames must not be empty.')
      const projects: string[] = []
      for (const n of names) {
        const m = /^projects\/([^/]+)$/.exec(n)
        if (!m) throw invalidArgument(`Invalid resource name: ${n}. Only projects/PROJECT_ID is supported here.`)
        c.state.require(c.identity, n, 'logging.logEntries.list')
        projects.push(c.state.project(m[1])!.projectId)
      }
      for (const p of projects)
        if (!quota.take(p))
          throw new ApiError(
            429,
            `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'logging.googleapis.com' for consumer 'project_number:${c.state.project(p)!.projectNumber}'.`,
            'RESOURCE_EXHAUSTED',
            [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'RATE_LIMIT_EXCEEDED',
                domain: 'googleapis.com',
                metadata: { quota_limit: 'ReadRequestsPerMinutePerProject', service: 'logging.googleapis.com' }
              }
            ]
          )
      const order = (b.orderBy ?? 'timestamp asc').trim().toLowerCase()
      if (!['timestamp asc', 'timestamp desc', 'timestamp'].includes(order))
        throw invalidArgument(`Invalid orderBy: ${b.orderBy}. Only "timestamp asc" and "timestamp desc" are supported.`)
      const filter = parseFilter(b.filter ?? '')
      const size = b.pageSize === undefined ? 50 : Number(b.pageSize)
      if (!Number.isInteger(size) || size < 0 || size > 1000) throw invalidArgument('pageSize must be between 0 and 1000.')
      const now = Date.now()
      const matching = c.state.logs
        .filter(s => s.visibleAt <= now && projects.some(p => s.entry.logName.startsWith(`projects/${p}/logs/`)))
        .map(s => s.entry)
        .filter(e => filter(e as unknown as Record<string, unknown>))
        .sort((x, y) => (x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : 0))
      if (order === 'timestamp desc') matching.reverse()
      const token = b.pageToken ? Buffer.from(b.pageToken, 'base64').toString('utf8') : ''
      if (token && !/^[eo]:\d+$/.test(token)) throw invalidArgument('Invalid page token.')
      const empties = c.state.settings.logEmptyPages
      const scanned = token.startsWith('e:') ? Number(token.slice(2)) : token ? empties : 0
      if (scanned < empties) return { nextPageToken: Buffer.from(`e:${scanned + 1}`).toString('base64') }
      const start = token.startsWith('o:') ? Number(token.slice(2)) : 0
      const page = matching.slice(start, start + (size || 50))
      const out: Record<string, unknown> = {}
      if (page.length) out.entries = page
      if (start + (size || 50) < matching.length) out.nextPageToken = Buffer.from(`o:${start + (size || 50)}`).toString('base64')
      return out
    })
  ]
}

export const logging: ApiModule = {
  name: 'Cloud Logging',
  apis: ['LOGGING'],
  // entries:list is its only method here, and these scopes cover it too
  scopes: [
    'https://www.googleapis.com/auth/cloud-platform.read-only',
    'https://www.googleapis.com/auth/logging.admin',
    'https://www.googleapis.com/auth/logging.read'
  ],
  routes: env => loggingRoutes(env.state),
  roles: {
    'roles/logging.viewer': {
      grants: [
        'logging.logEntries.list',
        'logging.logs.list',
        'logging.logServices.list',
        'logging.logMetrics.get',
        'logging.logMetrics.list',
        'logging.sinks.get',
        'logging.sinks.list',
        'resourcemanager.projects.get'
      ]
    },
    'roles/logging.privateLogViewer': {
      grants: ['logging.logEntries.list', 'logging.privateLogEntries.list', 'logging.logs.list', 'logging.logServices.list', 'resourcemanager.projects.get']
    }
  }
}
