/* eslint-disable @typescript-eslint/no-explicit-any -- Job JSON is walked by field paths taken from the request */
/** Cloud Scheduler v1: jobs get / list / patch (updateMask) / run / pause / resume. */
import type { Attempts } from './attempts'
import { ApiError, invalidArgument, notFound } from './errors'
import type { ApiModule } from './module'
import { listPage, route, type Ctx, type Route } from './router'
import type { Job } from './scenario'
import { saResource } from './state'

const JOB_STATES = ['STATE_UNSPECIFIED', 'ENABLED', 'PAUSED', 'DISABLED', 'UPDATE_FAILED']
const HTTP_METHODS = ['HTTP_METHOD_UNSPECIFIED', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

/** Field paths a Job update may name (camelCase; snake_case is accepted and converted). */
const MASKABLE = new Set([
  'description',
  'schedule',
  'timeZone',
  'attemptDeadline',
  'retryConfig',
  'retryConfig.retryCount',
  'retryConfig.maxRetryDuration',
  'retryConfig.minBackoffDuration',
  'retryConfig.maxBackoffDuration',
  'retryConfig.maxDoublings',
  'httpTarget',
  'httpTarget.uri',
  'httpTarget.httpMethod',
  'httpTarget.headers',
  'httpTarget.body',
  'httpTarget.oidcToken',
  'httpTarget.oidcToken.serviceAccountEmail',
  'httpTarget.oidcToken.audience',
  'httpTarget.oauthToken',
  'httpTarget.oauthToken.serviceAccountEmail',
  'httpTarget.oauthToken.scope',
  'pubsubTarget',
  'pubsubTarget.topicName',
  'pubsubTarget.data',
  'pubsubTarget.attributes',
  'appEngineHttpTarget',
  'appEngineHttpTarget.httpMethod',
  'appEngineHttpTarget.appEngineRouting',
  'appEngineHttpTarget.relativeUri',
  'appEngineHttpTarget.headers',
  'appEngineHttpTarget.body'
])
const TARGETS = ['httpTarget', 'pubsubTarget', 'appEngineHttpTarget'] as const
const camel = (p: string): string => p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** Look the job up after the permission check, as Google does (no existence leak without rights). */
function findJob(c: Ctx, permission: string): Job {
  const { project, location, job: id } = c.params
  c.state.require(c.identity, `projects/${project}/locations/${location}/jobs/${id}`, permission)
  const proj = c.state.project(project)
  const job = proj && c.state.jobs.get(`projects/${proj.projectId}/locations/${location}/jobs/${id}`)
  if (!job) throw notFound('Job not found.')
  return job
}

/** Enums as names, or as numbers when the caller asked for enum-encoding=int. */
export function render(job: Job, intEnums: boolean): unknown {
  const out = structuredClone(job) as Record<string, any>
  if (!intEnums) return out
  if (typeof out.state === 'string') out.state = Math.max(0, JOB_STATES.indexOf(out.state))
  for (const t of ['httpTarget', 'appEngineHttpTarget'])
    if (out[t] && typeof out[t].httpMethod === 'string') out[t].httpMethod = Math.max(0, HTTP_METHODS.indexOf(out[t].httpMethod))
  return out
}

function fromWire(body: Record<string, any>): Record<string, any> {
  const b = structuredClone(body)
  for (const t of ['httpTarget', 'appEngineHttpTarget'])
    if (b[t] && typeof b[t].httpMethod === 'number') b[t].httpMethod = HTTP_METHODS[b[t].httpMethod] ?? 'HTTP_METHOD_UNSPECIFIED'
  if (typeof b.state === 'number') b.state = JOB_STATES[b.state]
  return b
}

const getPath = (o: Record<string, any> | undefined, path: string[]): unknown => path.reduce<any>((v, k) => (v == null ? undefined : v[k]), o)
function setPath(o: Record<string, any>, path: string[], value: unknown): void {
  let cur = o
  for (const k of path.slice(0, -1)) {
    if (cur[k] == null || typeof cur[k] !== 'object') cur[k] = {}
    cur = cur[k]
  }
  const last = path[path.length - 1]
  if (value === undefined) delete cur[last]
  else cur[last] = structuredClone(value)
}

function validate(job: Job): void {
  const set = TARGETS.filter(t => job[t] !== undefined)
  if (set.length > 1) throw invalidArgument('Only one of pubsub_target, app_engine_http_target or http_target may be set.')
  const h = job.httpTarget
  if (h) {
    if (!h.uri || !/^https?:\/\/[^/\s]+/.test(h.uri)) throw invalidArgument('HttpTarget.uri must be a valid URL beginning with http:// or https://.')
    if (h.oidcToken && h.oauthToken) throw invalidArgument('Only one of oauth_token or oidc_token may be set.')
    for (const tok of [h.oidcToken, h.oauthToken])
      if (tok && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(tok.serviceAccountEmail ?? ''))
        throw invalidArgument(`Invalid service account email: ${tok.serviceAccountEmail ?? ''}`)
  }
}

function patch(c: Ctx): unknown {
  const job = findJob(c, 'cloudscheduler.jobs.update')
  const body = fromWire(c.body)
  const rawMask = c.query.get('updateMask') ?? c.query.get('update_mask')
  const next = structuredClone(job) as Record<string, any>
  const touched: string[] = []
  if (rawMask) {
    for (const p of rawMask
      .split(',')
      .map(s => camel(s.trim()))
      .filter(Boolean)) {
      if (!MASKABLE.has(p)) throw invalidArgument(`Invalid update_mask provided: unknown field path "${p}".`)
      touched.push(p)
      setPath(next, p.split('.'), getPath(body, p.split('.')))
    }
  } else {
    // no mask: every mutable field comes from the request
    for (const k of ['description', 'schedule', 'timeZone', 'attemptDeadline', 'retryConfig', ...TARGETS]) {
      touched.push(k)
      setPath(next, [k], body[k])
    }
  }
  // oneofs: setting one member clears the others
  const touchedOidc = touched.some(p => p.startsWith('httpTarget.oidcToken')) && next.httpTarget?.oidcToken
  const touchedOauth = touched.some(p => p.startsWith('httpTarget.oauthToken')) && next.httpTarget?.oauthToken
  if (touchedOidc && !touchedOauth) delete next.httpTarget.oauthToken
  if (touchedOauth && !touchedOidc) delete next.httpTarget.oidcToken
  for (const t of TARGETS) if (touched.some(p => p === t || p.startsWith(`${t}.`)) && next[t]) for (const o of TARGETS) if (o !== t) delete next[o]
  validate(next as Job)

  // the job will sign tokens as this account: whoever sets its token must be allowed to act as it
  for (const tok of ['oidcToken', 'oauthToken']) {
    const email: string | undefined = next.httpTarget?.[tok]?.serviceAccountEmail
    if (!email || !(!rawMask || touched.some(p => p === 'httpTarget' || p.startsWith(`httpTarget.${tok}`)))) continue
    const sa = c.state.serviceAccount(email)
    if (!sa || !c.state.can(c.identity, saResource(sa.project, email), 'iam.serviceAccounts.actAs'))
      throw new ApiError(
        403,
        `The principal (user or service account) lacks IAM permission "iam.serviceAccounts.actAs" for the resource "${email}" (or the resource may not exist).`,
        'PERMISSION_DENIED'
      )
  }
  next.userUpdateTime = new Date().toISOString()
  for (const k of Object.keys(job)) delete (job as unknown as Record<string, unknown>)[k]
  Object.assign(job, next)
  return render(job, c.intEnums)
}

function schedulerRoutes(attempts: Attempts): Route[] {
  const J = '/v1/projects/{project}/locations/{location}/jobs/{job}'
  return [
    route('GET', J, c => render(findJob(c, 'cloudscheduler.jobs.get'), c.intEnums)),
    route('PATCH', J, c => patch(c)),
    route('GET', '/v1/projects/{project}/locations/{location}/jobs', c => {
      const { project, location } = c.params
      c.state.require(c.identity, `projects/${project}/locations/${location}`, 'cloudscheduler.jobs.list')
      const proj = c.state.project(project)!
      const prefix = `projects/${proj.projectId}/locations/${location}/jobs/`
      const all = [...c.state.jobs.values()].filter(j => j.name.startsWith(prefix))
      return listPage(c, all, 'jobs', 500, j => render(j, c.intEnums))
    }),
    route('POST', `${J}:run`, c => {
      const job = findJob(c, 'cloudscheduler.jobs.run')
      if (!job.httpTarget) throw new ApiError(400, 'Only HTTP jobs can be run by this stand-in.', 'FAILED_PRECONDITION')
      attempts.trigger(job.name)
      return render(job, c.intEnums)
    }),
    route('POST', `${J}:pause`, c => {
      const job = findJob(c, 'cloudscheduler.jobs.pause')
      job.state = 'PAUSED'
      return render(job, c.intEnums)
    }),
    route('POST', `${J}:resume`, c => {
      const job = findJob(c, 'cloudscheduler.jobs.enable')
      job.state = 'ENABLED'
      return render(job, c.intEnums)
    })
  ]
}

export const scheduler: ApiModule = {
  name: 'Cloud Scheduler',
  apis: ['CLOUDSCHEDULER'],
  load: state => {
    for (const j of state.scenario.jobs ?? []) state.jobs.set(j.name, structuredClone(j))
  },
  routes: env => schedulerRoutes(env.attempts),
  roles: {
    'roles/cloudscheduler.admin': { grants: ['cloudscheduler.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'] },
    'roles/cloudscheduler.viewer': {
      grants: [
        'cloudscheduler.jobs.get',
        'cloudscheduler.jobs.list',
        'cloudscheduler.locations.get',
        'cloudscheduler.locations.list',
        'resourcemanager.projects.get'
      ]
    },
    'roles/cloudscheduler.jobRunner': { grants: ['cloudscheduler.jobs.run'] },
    'roles/cloudscheduler.serviceAgent': {
      grants: [
        'iam.serviceAccounts.getAccessToken',
        'iam.serviceAccounts.getOpenIdToken',
        'iam.serviceAccounts.actAs',
        'pubsub.topics.publish',
        'cloudscheduler.jobs.run'
      ]
    }
  }
}
