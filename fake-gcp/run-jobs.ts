/**
 * Cloud Run jobs: the Admin API v2 (jobs get / list / run, executions get / list, operations get,
 * IAM on v1 and v2 paths) and the regional v1 (Knative) surface `gcloud run jobs` uses
 * (jobs get / run, executions get), all over one state. An execution's status is computed from
 * the clock and the timeline its job's scenario declares.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { ApiError, invalidArgument, notFound } from './errors'
import { iamMethods } from './iam-methods'
import { listPage, route, type Ctx, type Route } from './router'
import type { CloudRunJobSpec } from './scenario'
import { parseName, type FakeState, type RunExecutionRec, type RunJobRec } from './state'

const JOB_CREATED = Date.parse('2025-01-01T00:00:00Z')
/** "default quick success" */
export const DEFAULT_RUN_TIMELINE = { pendingMs: 20, runMs: 80, outcome: 'SUCCEEDED' as const }
const DEFAULT_TIMEOUT_S = 600
const iso = (ms: number): string => new Date(ms).toISOString()
const uid = (s: string): string => {
  const h = createHash('sha256').update(s).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}
const member = (identity: string): string => identity.replace(/^[a-zA-Z]+:/, '')

// ---- scenario ----

export function addRunJob(state: FakeState, spec: CloudRunJobSpec): void {
  const { project, region, id } = parseName(spec.name, 'jobs')
  state.requireProject(project, spec.name)
  state.runJobs.set(spec.name, { name: spec.name, project, region, id, spec, createdAt: JOB_CREATED, executions: [] })
  state.policies.load(spec.name, spec.iamPolicy)
}

// ---- the timeline ----

type Phase = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED'
export interface Progress {
  phase: Phase
  startAt: number
  endAt: number
  done: boolean
}

export function progress(e: RunExecutionRec, now = Date.now()): Progress {
  const startAt = e.createdAt + e.timeline.pendingMs
  const endAt = startAt + e.timeline.runMs
  const phase: Phase = now < startAt ? 'PENDING' : now < endAt ? 'RUNNING' : e.timeline.outcome
  return { phase, startAt, endAt, done: phase === 'SUCCEEDED' || phase === 'FAILED' }
}

const failMessage = (e: RunExecutionRec): string => e.timeline.error ?? `Task ${e.id}-task0 failed with message: The container exited with an error.`

const seconds = (ms: number): string => {
  const s = Math.round(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`
}

/** The three conditions of an execution, in the v2 shape (`state`) — v1 maps them to `status`. */
interface Cond {
  type: 'Completed' | 'ResourcesAvailable' | 'Started'
  state: 'CONDITION_PENDING' | 'CONDITION_SUCCEEDED' | 'CONDITION_FAILED'
  at: number
  message?: string
  failed?: boolean
}
function conditions(e: RunExecutionRec, p: Progress): Cond[] {
  const started = p.phase !== 'PENDING'
  const completed: Cond =
    p.phase === 'SUCCEEDED'
      ? { type: 'Completed', state: 'CONDITION_SUCCEEDED', at: p.endAt, message: `Execution completed successfully in ${seconds(p.endAt - e.createdAt)}.` }
      : p.phase === 'FAILED'
        ? { type: 'Completed', state: 'CONDITION_FAILED', at: p.endAt, message: failMessage(e), failed: true }
        : { type: 'Completed', state: 'CONDITION_PENDING', at: e.createdAt }
  return [
    completed,
    started
      ? { type: 'ResourcesAvailable', state: 'CONDITION_SUCCEEDED', at: p.startAt }
      : { type: 'ResourcesAvailable', state: 'CONDITION_PENDING', at: e.createdAt, message: 'Provisioning resources.' },
    started ? { type: 'Started', state: 'CONDITION_SUCCEEDED', at: p.startAt } : { type: 'Started', state: 'CONDITION_PENDING', at: e.createdAt }
  ]
}

function counts(e: RunExecutionRec, p: Progress): Record<string, number> {
  const n = e.taskCount
  if (p.phase === 'RUNNING') return { runningCount: n }
  if (p.phase === 'SUCCEEDED') return { succeededCount: n }
  if (p.phase === 'FAILED') return n > 1 ? { failedCount: 1, succeededCount: n - 1 } : { failedCount: 1 }
  return {}
}

export const completionStatus = (p: Progress): string => `EXECUTION_${p.phase}`

// ---- v2 resources ----

const computeSa = (state: FakeState, project: string): string => `${state.project(project)!.projectNumber}-compute@developer.gserviceaccount.com`
const image = (j: RunJobRec): string => j.spec.image ?? 'us-docker.pkg.dev/cloudrun/container/job:latest'
const LIMITS = { cpu: '1000m', memory: '512Mi' }

interface ContainerOverride {
  name?: string
  args?: string[]
  env?: { name: string; value?: string }[]
  clearArgs?: boolean
}
/** The job's container as one execution runs it: container overrides applied. */
function container(j: RunJobRec, e?: RunExecutionRec): { image: string; args?: string[]; env?: { name: string; value?: string }[] } {
  const c: { image: string; args?: string[]; env?: { name: string; value?: string }[] } = { image: image(j) }
  for (const o of (e?.overrides?.containerOverrides as ContainerOverride[] | undefined) ?? []) {
    if (o.clearArgs) delete c.args
    if (o.args?.length) c.args = [...o.args]
    if (o.env?.length) c.env = [...(c.env ?? []).filter(v => !o.env!.some(n => n.name === v.name)), ...o.env]
  }
  return c
}

function v2TaskTemplate(state: FakeState, j: RunJobRec, e?: RunExecutionRec): Record<string, unknown> {
  return {
    containers: [{ ...container(j, e), resources: { limits: LIMITS } }],
    maxRetries: 3,
    timeout: `${e?.timeoutSeconds ?? DEFAULT_TIMEOUT_S}s`,
    serviceAccount: j.spec.serviceAccount ?? computeSa(state, j.project),
    executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2'
  }
}

export function v2Execution(state: FakeState, e: RunExecutionRec, now = Date.now()): Record<string, unknown> {
  const j = state.runJobs.get(e.job)!
  const p = progress(e, now)
  const conds = conditions(e, p)
  const out: Record<string, unknown> = {
    name: e.name,
    uid: uid(e.name),
    creator: e.creator,
    generation: '1',
    createTime: iso(e.createdAt),
    updateTime: iso(Math.max(...conds.map(c => c.at))),
    launchStage: 'GA',
    job: j.id,
    taskCount: e.taskCount,
    template: v2TaskTemplate(state, j, e),
    conditions: conds.map(c => ({
      type: c.type,
      state: c.state,
      ...(c.message ? { message: c.message } : {}),
      lastTransitionTime: iso(c.at),
      ...(c.failed ? { executionReason: 'NON_ZERO_EXIT_CODE' } : {})
    })),
    observedGeneration: '1',
    ...counts(e, p),
    logUri: logUri(state, j, e),
    etag: `"${uid(`${e.name}/${p.phase}`).slice(0, 18)}"`
  }
  if (p.phase !== 'PENDING') out.startTime = iso(p.startAt)
  if (p.done) out.completionTime = iso(p.endAt)
  else out.reconciling = true
  return out
}

function logUri(state: FakeState, j: RunJobRec, e: RunExecutionRec): string {
  const filter = `resource.type = "cloud_run_job"\nresource.labels.job_name = "${j.id}"\nresource.labels.location = "${j.region}"\nlabels."run.googleapis.com/execution_name" = "${e.id}"`
  return `https://console.cloud.google.com/logs/viewer?project=${j.project}&advancedFilter=${encodeURIComponent(filter)}`
}

function latest(state: FakeState, j: RunJobRec): RunExecutionRec | undefined {
  const name = j.executions[j.executions.length - 1]
  return name ? state.runExecutions.get(name) : undefined
}

export function v2Job(state: FakeState, j: RunJobRec, now = Date.now()): Record<string, unknown> {
  const creator = member(state.caller)
  const out: Record<string, unknown> = {
    name: j.name,
    uid: uid(j.name),
    generation: '1',
    createTime: iso(j.createdAt),
    updateTime: iso(j.createdAt),
    creator,
    lastModifier: creator,
    launchStage: 'GA',
    template: { taskCount: j.spec.taskCount ?? 1, template: v2TaskTemplate(state, j) },
    observedGeneration: '1',
    terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: iso(j.createdAt) },
    etag: `"${uid(j.name).slice(0, 18)}"`
  }
  const e = latest(state, j)
  if (e) {
    const p = progress(e, now)
    out.executionCount = j.executions.length
    out.latestCreatedExecution = {
      name: e.name,
      createTime: iso(e.createdAt),
      ...(p.done ? { completionTime: iso(p.endAt) } : {}),
      completionStatus: completionStatus(p)
    }
  }
  return out
}

// ---- v1 (Knative) resources ----

const v1Status = (s: Cond['state']): string => (s === 'CONDITION_SUCCEEDED' ? 'True' : s === 'CONDITION_FAILED' ? 'False' : 'Unknown')

function v1TaskSpec(state: FakeState, j: RunJobRec, e?: RunExecutionRec): Record<string, unknown> {
  return {
    containers: [{ ...container(j, e), resources: { limits: LIMITS } }],
    maxRetries: 3,
    timeoutSeconds: String(e?.timeoutSeconds ?? DEFAULT_TIMEOUT_S),
    serviceAccountName: j.spec.serviceAccount ?? computeSa(state, j.project)
  }
}

function knativeJob(state: FakeState, j: RunJobRec, now = Date.now()): Record<string, unknown> {
  const num = state.project(j.project)!.projectNumber
  const creator = member(state.caller)
  const status: Record<string, unknown> = {
    observedGeneration: 1,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(j.createdAt) }]
  }
  const e = latest(state, j)
  if (e) {
    const p = progress(e, now)
    status.executionCount = j.executions.length
    status.latestCreatedExecution = {
      name: e.id,
      creationTimestamp: iso(e.createdAt),
      ...(p.done ? { completionTimestamp: iso(p.endAt) } : {}),
      completionStatus: completionStatus(p)
    }
  }
  return {
    apiVersion: 'run.googleapis.com/v1',
    kind: 'Job',
    metadata: {
      name: j.id,
      namespace: num,
      selfLink: `/apis/run.googleapis.com/v1/namespaces/${num}/jobs/${j.id}`,
      uid: uid(j.name),
      resourceVersion: 'AAYbAAAAAAA',
      generation: 1,
      creationTimestamp: iso(j.createdAt),
      labels: { 'cloud.googleapis.com/location': j.region },
      annotations: { 'run.googleapis.com/creator': creator, 'run.googleapis.com/lastModifier': creator, 'run.googleapis.com/launch-stage': 'GA' }
    },
    spec: {
      template: {
        metadata: { annotations: { 'run.googleapis.com/execution-environment': 'gen2' } },
        spec: { taskCount: j.spec.taskCount ?? 1, template: { spec: v1TaskSpec(state, j) } }
      }
    },
    status
  }
}

function knativeExecution(state: FakeState, e: RunExecutionRec, now = Date.now()): Record<string, unknown> {
  const j = state.runJobs.get(e.job)!
  const num = state.project(j.project)!.projectNumber
  const p = progress(e, now)
  const status: Record<string, unknown> = {
    observedGeneration: 1,
    conditions: conditions(e, p).map(c => ({
      type: c.type,
      status: v1Status(c.state),
      ...(c.failed ? { reason: 'NonZeroExitCode' } : {}),
      ...(c.message ? { message: c.message } : {}),
      lastTransitionTime: iso(c.at)
    })),
    ...counts(e, p),
    logUri: logUri(state, j, e)
  }
  if (p.phase !== 'PENDING') status.startTime = iso(p.startAt)
  if (p.done) status.completionTime = iso(p.endAt)
  return {
    apiVersion: 'run.googleapis.com/v1',
    kind: 'Execution',
    metadata: {
      name: e.id,
      namespace: num,
      selfLink: `/apis/run.googleapis.com/v1/namespaces/${num}/executions/${e.id}`,
      uid: uid(e.name),
      resourceVersion: 'AAYbAAAAAAA',
      generation: 1,
      creationTimestamp: iso(e.createdAt),
      labels: { 'cloud.googleapis.com/location': j.region, 'run.googleapis.com/job': j.id, 'run.googleapis.com/jobUid': uid(j.name) },
      annotations: { 'run.googleapis.com/creator': e.creator },
      ownerReferences: [{ kind: 'Job', name: j.id, uid: uid(j.name), apiVersion: 'run.googleapis.com/v1', controller: true, blockOwnerDeletion: true }]
    },
    spec: { taskCount: e.taskCount, template: { spec: v1TaskSpec(state, j, e) } },
    status
  }
}

// ---- requests ----

type FieldType = 'string' | 'bool' | 'int' | 'strings' | 'duration' | Schema | [Schema]
interface Schema {
  [field: string]: FieldType
}
const snake = (s: string): string => s.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`)
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const ENV: Schema = { name: 'string', value: 'string', valueSource: {} }
const CONTAINER_OVERRIDE: Schema = { name: 'string', args: 'strings', env: [ENV], clearArgs: 'bool' }
/** RunJobRequest, v2 and v1 (from gcloud's generated run_v2 / run_v1 messages). */
const RUN_V2: Schema = { validateOnly: 'bool', etag: 'string', overrides: { containerOverrides: [CONTAINER_OVERRIDE], taskCount: 'int', timeout: 'duration' } }
const RUN_V1: Schema = { overrides: { containerOverrides: [CONTAINER_OVERRIDE], taskCount: 'int', timeoutSeconds: 'int' } }

const badValue = (path: string, type: string, v: unknown): ApiError => invalidArgument(`Invalid value at '${path}' (${type}), ${JSON.stringify(v)}`)

/**
 * Check a JSON body against a message, as Google's JSON parsing does before anything else:
 * unknown names and wrong types are 400. Names may be camelCase or snake_case; returns camelCase.
 */
function parseMessage(v: unknown, schema: Schema, at: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`Invalid JSON payload received. Expected an object${at ? ` at '${at}'` : ''}.`)
  const out: Record<string, unknown> = {}
  for (const [rawKey, value] of Object.entries(v as Record<string, unknown>)) {
    const key = camel(rawKey)
    const type = schema[key]
    if (!type) throw invalidArgument(`Invalid JSON payload received. Unknown name "${rawKey}"${at ? ` at '${at}'` : ''}: Cannot find field.`)
    if (value === null) continue
    const path = at ? `${at}.${snake(key)}` : snake(key)
    out[key] = parseField(value, type, path)
  }
  return out
}

function parseField(value: unknown, type: FieldType, path: string): unknown {
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) throw invalidArgument(`Invalid JSON payload received. Proto field is not repeating, cannot start list at '${path}'.`)
    return value.map((x, i) => parseMessage(x, type[0], `${path}[${i}]`))
  }
  if (typeof type === 'object') return parseMessage(value, type, path)
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw badValue(path, 'TYPE_STRING', value)
      return value
    case 'bool':
      if (typeof value !== 'boolean') throw badValue(path, 'TYPE_BOOL', value)
      return value
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
      if (typeof n !== 'number' || !Number.isInteger(n)) throw badValue(path, 'TYPE_INT32', value)
      return n
    }
    case 'strings':
      if (!Array.isArray(value) || value.some(x => typeof x !== 'string')) throw badValue(path, 'TYPE_STRING', value)
      return value
    case 'duration':
      if (typeof value !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(value)) throw badValue(path, 'type.googleapis.com/google.protobuf.Duration', value)
      return value
  }
}

interface Overrides {
  containerOverrides?: ContainerOverride[]
  taskCount?: number
  timeoutSeconds?: number
}
function overridesOf(body: Record<string, unknown>, version: 'v1' | 'v2'): Overrides | undefined {
  const o = body.overrides as Record<string, unknown> | undefined
  if (!o) return undefined
  if (o.taskCount !== undefined && ((o.taskCount as number) < 1 || (o.taskCount as number) > 10000))
    throw invalidArgument('overrides.task_count must be between 1 and 10000.')
  const timeoutSeconds = version === 'v2' ? (o.timeout === undefined ? undefined : parseFloat(o.timeout as string)) : (o.timeoutSeconds as number | undefined)
  if (timeoutSeconds !== undefined && (timeoutSeconds <= 0 || timeoutSeconds > 7 * 24 * 3600))
    throw invalidArgument('overrides.timeout must be greater than 0 and at most 168 hours.')
  const out: Overrides = {
    containerOverrides: o.containerOverrides as ContainerOverride[] | undefined,
    taskCount: o.taskCount as number | undefined,
    timeoutSeconds
  }
  return out
}

function canonical(state: FakeState, project: string, rest: string): string {
  return `projects/${state.project(project)?.projectId ?? project}/${rest}`
}

const notFoundJob = (project: string, region: string, id: string): ApiError =>
  notFound(`Resource '${id}' of kind 'JOB' in region '${region}' in project '${project}' does not exist.`)

/** Permission on the job first (no existence leak), then the job. */
function findJob(c: Ctx, project: string, region: string, id: string, permission: string, shown: string, invoke = false): RunJobRec {
  const name = canonical(c.state, project, `locations/${region}/jobs/${id}`)
  if (invoke) c.state.requireInvoke(c.identity, name, permission, shown)
  else c.state.require(c.identity, name, permission, shown)
  const j = c.state.runJobs.get(name)
  if (!j) throw notFoundJob(project, region, id)
  return j
}

const SUFFIX = 'abcdefghijklmnopqrstuvwxyz0123456789'
const suffix = (): string => [...randomBytes(5)].map(b => SUFFIX[b % SUFFIX.length]).join('')

/**
 * jobs.run on either surface: run.jobs.run on the job (inherited from above), and with overrides
 * also run.jobs.runWithOverrides; then a new execution on the job's timeline.
 */
function runJob(c: Ctx, project: string, region: string, id: string, shown: string, version: 'v1' | 'v2'): { job: RunJobRec; execution?: RunExecutionRec } {
  const body = parseMessage(c.body, version === 'v2' ? RUN_V2 : RUN_V1, '')
  const overrides = overridesOf(body, version)
  const j = findJob(c, project, region, id, 'run.jobs.run', shown, true)
  if (overrides) findJob(c, project, region, id, 'run.jobs.runWithOverrides', shown, true)
  if (body.validateOnly) return { job: j }
  const tls = j.spec.timeline === undefined ? [] : Array.isArray(j.spec.timeline) ? j.spec.timeline : [j.spec.timeline]
  const tl = tls[Math.min(j.executions.length, tls.length - 1)] ?? {}
  const execId = `${j.id}-${suffix()}`
  const e: RunExecutionRec = {
    name: `${j.name}/executions/${execId}`,
    job: j.name,
    id: execId,
    createdAt: Date.now(),
    timeline: {
      pendingMs: tl.pendingMs ?? DEFAULT_RUN_TIMELINE.pendingMs,
      runMs: tl.runMs ?? DEFAULT_RUN_TIMELINE.runMs,
      outcome: tl.outcome ?? DEFAULT_RUN_TIMELINE.outcome,
      ...(tl.error !== undefined ? { error: tl.error } : {})
    },
    taskCount: overrides?.taskCount ?? j.spec.taskCount ?? 1,
    timeoutSeconds: overrides?.timeoutSeconds ?? DEFAULT_TIMEOUT_S,
    creator: member(c.identity.member)
  }
  if (overrides) e.overrides = overrides as Record<string, unknown>
  c.state.runExecutions.set(e.name, e)
  j.executions.push(e.name)
  return { job: j, execution: e }
}

const EXECUTION_TYPE = 'type.googleapis.com/google.cloud.run.v2.Execution'

export function runJobRoutes(state: FakeState): Route[] {
  /** operation name → execution name (per stand-in) */
  const operations = new Map<string, string>()
  const J2 = '/v2/projects/{project}/locations/{location}/jobs/{job}'
  const shown2 = (c: Ctx): string => `projects/${c.params.project}/locations/${c.params.location}/jobs/${c.params.job}`
  const job2 = (c: Ctx, permission: string): RunJobRec => findJob(c, c.params.project, c.params.location, c.params.job, permission, shown2(c))
  const execution = (j: RunJobRec, id: string, shownProject: string): RunExecutionRec => {
    const e = state.runExecutions.get(`${j.name}/executions/${id}`)
    if (!e) throw notFound(`Resource '${id}' of kind 'EXECUTION' in region '${j.region}' in project '${shownProject}' does not exist.`)
    return e
  }
  /** The v1 surface addresses executions by namespace and id only: the job is found from the execution. */
  const v1Execution = (c: Ctx, namespace: string, region: string, id: string, permission: string): RunExecutionRec => {
    const proj = state.project(namespace)
    const e = proj
      ? [...state.runExecutions.values()].find(x => x.id === id && x.job.startsWith(`projects/${proj.projectId}/locations/${region}/jobs/`))
      : undefined
    const shown = `namespaces/${namespace}/executions/${id}`
    c.state.require(c.identity, e?.job ?? `projects/${proj?.projectId ?? namespace}`, permission, shown)
    if (!e) throw notFound(`Resource '${id}' of kind 'EXECUTION' in region '${region}' in project '${namespace}' does not exist.`)
    return e
  }

  return [
    route('GET', J2, c => v2Job(state, job2(c, 'run.jobs.get'))),
    route('GET', '/v2/projects/{project}/locations/{location}/jobs', c => {
      const { project, location } = c.params
      c.state.require(c.identity, `projects/${project}`, 'run.jobs.list', `projects/${project}/locations/${location}`)
      const proj = c.state.project(project)!
      const all = [...state.runJobs.values()].filter(j => j.project === proj.projectId && (location === '-' || j.region === location))
      return listPage(c, all, 'jobs', 1000, j => v2Job(state, j))
    }),
    route('POST', `${J2}:run`, c => {
      const { job: j, execution: e } = runJob(c, c.params.project, c.params.location, c.params.job, shown2(c), 'v2')
      const name = `projects/${j.project}/locations/${j.region}/operations/${randomUUID()}`
      if (!e) return { name, done: true } // validateOnly
      operations.set(name, e.name)
      return { name, metadata: { '@type': EXECUTION_TYPE, ...v2Execution(state, e) }, done: false }
    }),
    route('GET', `${J2}/executions/{execution}`, c => {
      const j = job2(c, 'run.executions.get')
      return v2Execution(state, execution(j, c.params.execution, c.params.project))
    }),
    route('GET', `${J2}/executions`, c => {
      const j = job2(c, 'run.executions.list')
      const all = j.executions.map(n => state.runExecutions.get(n)!).reverse() // newest first
      return listPage(c, all, 'executions', 1000, e => v2Execution(state, e))
    }),
    // the long-running operation jobs.run returns: done when its execution is
    route('GET', '/v2/projects/{project}/locations/{location}/operations/{operation}', c => {
      const { project, location, operation } = c.params
      c.state.require(
        c.identity,
        `projects/${state.project(project)?.projectId ?? project}`,
        'run.operations.get',
        `projects/${project}/locations/${location}/operations/${operation}`
      )
      const proj = c.state.project(project)!
      const name = `projects/${proj.projectId}/locations/${location}/operations/${operation}`
      const e = state.runExecutions.get(operations.get(name) ?? '')
      if (!e) throw notFound(`Operation '${name}' not found.`)
      const p = progress(e)
      const meta = { '@type': EXECUTION_TYPE, ...v2Execution(state, e) }
      if (!p.done) return { name, metadata: meta, done: false }
      if (p.phase === 'SUCCEEDED') return { name, metadata: meta, done: true, response: meta }
      return { name, metadata: meta, done: true, error: { code: 2, message: failMessage(e) } }
    }),
    ...iamMethods({
      path: '/{version:v1|v2}/projects/{project}/locations/{location}/jobs/{job}',
      resolve: c => {
        const name = canonical(state, c.params.project, `locations/${c.params.location}/jobs/${c.params.job}`)
        return state.runJobs.has(name) ? name : undefined
      },
      display: shown2,
      permissionPrefix: 'run.jobs',
      validPermission: p => p.startsWith('run.'),
      notFoundMessage: c => notFoundJob(c.params.project, c.params.location, c.params.job).message,
      getVerbs: ['GET'] // GET only, as for services (gcloud's generated clients)
    }),

    // the regional v1 (Knative) surface: REGION-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/P/...
    route('GET', '/apis/run.googleapis.com/v1/namespaces/{namespace}/jobs/{job}', c => {
      const { namespace, job } = c.params
      const region = regionOf(c)
      return knativeJob(state, findJob(c, namespace, region, job, 'run.jobs.get', `namespaces/${namespace}/jobs/${job}`))
    }),
    route('POST', '/apis/run.googleapis.com/v1/namespaces/{namespace}/jobs/{job}:run', c => {
      const { namespace, job } = c.params
      const { execution } = runJob(c, namespace, regionOf(c), job, `namespaces/${namespace}/jobs/${job}`, 'v1')
      return knativeExecution(state, execution!)
    }),
    route('GET', '/apis/run.googleapis.com/v1/namespaces/{namespace}/executions/{execution}', c =>
      knativeExecution(state, v1Execution(c, c.params.namespace, regionOf(c), c.params.execution, 'run.executions.get'))
    )
  ]
}

/** The v1 surface is regional: the region is only in the host name (REGION-run.googleapis.com). */
export function regionOf(c: Ctx): string {
  const m = /^([a-z]+-[a-z]+\d+)-/.exec(c.host)
  if (!m) throw new ApiError(400, 'This API is served on regional endpoints only (REGION-run.googleapis.com).', 'INVALID_ARGUMENT')
  return m[1]
}
