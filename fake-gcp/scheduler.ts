/* eslint-disable @typescript-eslint/no-explicit-any -- Job JSON is walked by field paths taken from the request */
/** Cloud Scheduler v1: jobs get / list / patch (updateMask) / run / pause / resume. */
import type { Attempts } from './attempts'
import { ApiError, invalidArgument, notFound } from './errors'
import type { ApiModule } from './module'
import { listPage, route, type Ctx, type Route } from './router'
import type { Job } from './scenario'
import { SA_DOMAIN, saResource } from './state'

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

/**
 * Google's rules for the account a job signs its tokens as, on create and on patch (when the
 * request sets it). Scheduler's API reference: "The service account must be within the same
 * project as the job. The caller must have iam.serviceAccounts.actAs permission for the service
 * account."; its HTTP-target auth page: "Don't use the Cloud Scheduler service agent
 * (service-PROJECT_NUMBER@gcp-sa-cloudscheduler.iam.gserviceaccount.com). It can't be used for
 * this purpose."
 *
 * Order: the two rules Scheduler can judge from the request and the account's record (service
 * agent, other project) come first, as request validation does, then actAs. Neither the order nor
 * the texts of the two 400s are documented: the messages below are written by us after those
 * sentences (no published error text found). A missing account gives the documented actAs 403
 * "(or the resource may not exist)", as Cloud Tasks answers for the same field. A disabled
 * account is accepted: nothing says Scheduler checks it, so it fails at run time (attempts.ts).
 */
function checkTokenAccount(c: Ctx, project: string, email: string): void {
  const proj = c.state.project(project)
  if (proj && email.toLowerCase() === `service-${proj.projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`)
    throw invalidArgument(`Service account ${email} is the Cloud Scheduler service agent and cannot be used to generate tokens for a job.`)
  const sa = c.state.serviceAccount(email)
  const owner = sa?.project ?? SA_DOMAIN.exec(email)?.[2]
  if (proj && owner && c.state.projects.has(owner) && owner !== proj.projectId)
    throw invalidArgument(`Service account ${email} must be within the same project as the job (${proj.projectId}).`)
  // the job will sign tokens as this account: whoever sets its token must be allowed to act as it
  if (!sa || !c.state.can(c.identity, saResource(sa.project, email), 'iam.serviceAccounts.actAs'))
    throw new ApiError(
      403,
      `The principal (user or service account) lacks IAM permission "iam.serviceAccounts.actAs" for the resource "${email}" (or the resource may not exist).`,
      'PERMISSION_DENIED'
    )
}

/** jobs.create: the Job in the body, its name under the parent; the same validation and account rules as patch. */
function create(c: Ctx): unknown {
  const { project, location } = c.params
  c.state.require(c.identity, `projects/${project}/locations/${location}`, 'cloudscheduler.jobs.create')
  const proj = c.state.project(project)!
  const body = fromWire(c.body)
  const prefix = `projects/${proj.projectId}/locations/${location}/jobs/`
  const name = String(body.name ?? '')
  // Google's text for a name outside the parent is not published: ours
  if (!name.startsWith(prefix) || !/^[A-Za-z0-9_-]{1,500}$/.test(name.slice(prefix.length)))
    throw invalidArgument(`Job name must be of the form ${prefix}JOB_ID and lie under the parent.`)
  if (c.state.jobs.has(name)) throw new ApiError(409, `Job ${name} already exists.`, 'ALREADY_EXISTS') // text: ours
  const job: Record<string, any> = {}
  for (const k of ['name', 'description', 'schedule', 'timeZone', 'attemptDeadline', 'retryConfig', ...TARGETS])
    if (body[k] !== undefined) job[k] = structuredClone(body[k])
  validate(job as Job)
  for (const tok of ['oidcToken', 'oauthToken'] as const) {
    const email: string | undefined = job.httpTarget?.[tok]?.serviceAccountEmail
    if (email) checkTokenAccount(c, project, email)
  }
  const now = new Date().toISOString()
  Object.assign(job, { userUpdateTime: now, state: 'ENABLED' })
  if (job.httpTarget && !job.httpTarget.httpMethod) job.httpTarget.httpMethod = 'POST'
  c.state.jobs.set(name, job as Job)
  return render(job as Job, c.intEnums)
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

  for (const tok of ['oidcToken', 'oauthToken'] as const) {
    const email: string | undefined = next.httpTarget?.[tok]?.serviceAccountEmail
    if (email && (!rawMask || touched.some(p => p === 'httpTarget' || p.startsWith(`httpTarget.${tok}`)))) checkTokenAccount(c, c.params.project, email)
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
    route('POST', '/v1/projects/{project}/locations/{location}/jobs', c => create(c)),
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
