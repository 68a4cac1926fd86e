/**
 * Workflows v1 (workflows get / list) and Workflow Executions v1 (executions create / get / list).
 * Workflows has no per-workflow IAM: every permission is checked on the project (a workflow's
 * only ancestor here). An execution's state is computed from the clock and its workflow's timeline.
 */
import { createHash, randomUUID } from 'node:crypto'
import { invalidArgument, notFound, permissionDenied } from './errors'
import type { ApiModule } from './module'
import { listPage, route, type Ctx, type Route } from './router'
import type { WorkflowSpec } from './scenario'
import { parseName, type FakeState, type WorkflowExecutionRec, type WorkflowRec } from './state'

const CREATED = Date.parse('2025-01-01T00:00:00Z')
export const DEFAULT_WORKFLOW_TIMELINE = { runMs: 50, outcome: 'SUCCEEDED' as const, result: '"ok"' }
const DEFAULT_ERROR = {
  payload: '{"message":"The workflow raised an error.","tags":["RuntimeError"]}',
  context: 'RuntimeError: {"message":"The workflow raised an error.","tags":["RuntimeError"]}\nin step "fail", routine "main", line: 3'
}
const DEFAULT_SOURCE = 'main:\n  steps:\n    - done:\n        return: "ok"\n'
const iso = (ms: number): string => new Date(ms).toISOString()

function addWorkflow(state: FakeState, spec: WorkflowSpec): void {
  const { project, region, id } = parseName(spec.name, 'workflows')
  state.requireProject(project, spec.name)
  const revisionId = `000001-${createHash('sha256').update(spec.name).digest('hex').slice(0, 3)}`
  state.workflows.set(spec.name, { name: spec.name, project, region, id, spec, revisionId, createdAt: CREATED, executions: [] })
}

// ---- resources ----

function v1Workflow(state: FakeState, w: WorkflowRec): Record<string, unknown> {
  const sa = w.spec.serviceAccount ?? `${state.project(w.project)!.projectNumber}-compute@developer.gserviceaccount.com`
  const out: Record<string, unknown> = {
    name: w.name,
    state: 'ACTIVE',
    revisionId: w.revisionId,
    createTime: iso(w.createdAt),
    updateTime: iso(w.createdAt),
    revisionCreateTime: iso(w.createdAt),
    serviceAccount: `projects/${w.project}/serviceAccounts/${sa}`,
    sourceContents: w.spec.sourceContents ?? DEFAULT_SOURCE
  }
  if (w.spec.description) out.description = w.spec.description
  return out
}

/** Duration's JSON form: seconds with 0, 3, 6 or 9 fractional digits. */
const duration = (ms: number): string => (ms % 1000 ? `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}s` : `${ms / 1000}s`)

export function workflowState(e: WorkflowExecutionRec, now = Date.now()): 'ACTIVE' | 'SUCCEEDED' | 'FAILED' {
  return now < e.createdAt + e.timeline.runMs ? 'ACTIVE' : e.timeline.outcome
}

/** BASIC: name, startTime, endTime, duration, state, workflowRevisionId (the API's ExecutionView); FULL: everything. */
function v1Execution(state: FakeState, e: WorkflowExecutionRec, view: 'BASIC' | 'FULL', now = Date.now()): Record<string, unknown> {
  const w = state.workflows.get(e.workflow)!
  const s = workflowState(e, now)
  const out: Record<string, unknown> = { name: e.name, startTime: iso(e.createdAt), state: s, workflowRevisionId: w.revisionId }
  if (s !== 'ACTIVE') {
    out.endTime = iso(e.createdAt + e.timeline.runMs)
    out.duration = duration(e.timeline.runMs)
  }
  if (view === 'BASIC') return out
  out.argument = e.argument ?? 'null'
  out.createTime = iso(e.createdAt)
  if (e.callLogLevel) out.callLogLevel = e.callLogLevel
  if (e.labels && Object.keys(e.labels).length) out.labels = e.labels
  if (s === 'ACTIVE') out.status = { currentSteps: [{ routine: 'main', step: 'main' }] }
  if (s === 'SUCCEEDED') out.result = e.timeline.result
  if (s === 'FAILED') out.error = { payload: e.timeline.error?.payload ?? DEFAULT_ERROR.payload, context: e.timeline.error?.context ?? DEFAULT_ERROR.context }
  return out
}

// ---- requests ----

/** Execution's fields (workflowexecutions v1 messages): what a create request may name; output-only ones are ignored. */
const EXECUTION_FIELDS = new Set([
  'argument',
  'callLogLevel',
  'createTime',
  'disableConcurrencyQuotaOverflowBuffering',
  'duration',
  'endTime',
  'error',
  'executionHistoryLevel',
  'labels',
  'name',
  'result',
  'startTime',
  'state',
  'stateError',
  'status',
  'workflowRevisionId'
])
const CALL_LOG_LEVELS = ['CALL_LOG_LEVEL_UNSPECIFIED', 'LOG_ALL_CALLS', 'LOG_ERRORS_ONLY', 'LOG_NONE']
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

function parseExecution(body: Record<string, unknown>): { argument?: string; callLogLevel?: string; labels?: Record<string, string> } {
  const b: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) {
    if (!EXECUTION_FIELDS.has(camel(k))) throw invalidArgument(`Invalid JSON payload received. Unknown name "${k}": Cannot find field.`)
    if (v !== null) b[camel(k)] = v
  }
  const out: { argument?: string; callLogLevel?: string; labels?: Record<string, string> } = {}
  if (b.argument !== undefined) {
    if (typeof b.argument !== 'string') throw invalidArgument(`Invalid value at 'execution.argument' (TYPE_STRING), ${JSON.stringify(b.argument)}`)
    try {
      JSON.parse(b.argument)
    } catch {
      throw invalidArgument('Execution argument must be a valid JSON value (a string holding JSON, e.g. "{\\"key\\":\\"value\\"}").')
    }
    out.argument = b.argument
  }
  if (b.callLogLevel !== undefined) {
    if (typeof b.callLogLevel !== 'string' || !CALL_LOG_LEVELS.includes(b.callLogLevel))
      throw invalidArgument(
        `Invalid value at 'execution.call_log_level' (type.googleapis.com/google.cloud.workflows.executions.v1.Execution.CallLogLevel), ${JSON.stringify(b.callLogLevel)}`
      )
    out.callLogLevel = b.callLogLevel
  }
  if (b.labels !== undefined) {
    if (!b.labels || typeof b.labels !== 'object' || Object.values(b.labels).some(v => typeof v !== 'string'))
      throw invalidArgument(`Invalid value at 'execution.labels' (map<string, string>), ${JSON.stringify(b.labels)}`)
    out.labels = b.labels as Record<string, string>
  }
  return out
}

const W = '/v1/projects/{project}/locations/{location}/workflows/{workflow}'
/** Workflows names resources in its denials by their full name. */
const fullName = (c: Ctx): string => `//workflows.googleapis.com/projects/${c.params.project}/locations/${c.params.location}/workflows/${c.params.workflow}`

function requireOnWorkflow(c: Ctx, permission: string, invoke = false): WorkflowRec {
  const { project, location, workflow } = c.params
  const proj = c.state.project(project)
  const name = `projects/${proj?.projectId ?? project}/locations/${location}/workflows/${workflow}`
  const allowed = invoke
    ? c.state.policies.allows(c.identity, c.state.ancestry(name), permission, c.state.settings.iamPropagationDelayMs)
    : c.state.can(c.identity, name, permission)
  if (!allowed) throw permissionDenied(permission, fullName(c), 'workflows.googleapis.com')
  const w = c.state.workflows.get(name)
  if (!w) throw notFound(`Resource '${name}' was not found`)
  return w
}

function viewOf(c: Ctx, byDefault: 'BASIC' | 'FULL'): 'BASIC' | 'FULL' {
  const v = c.query.get('view') ?? ''
  if (!v || v === 'EXECUTION_VIEW_UNSPECIFIED') return byDefault
  if (v === 'BASIC' || v === 'FULL') return v
  throw invalidArgument(`Invalid value at 'view' (type.googleapis.com/google.cloud.workflows.executions.v1.ExecutionView), "${v}"`)
}

function workflowsRoutes(state: FakeState): Route[] {
  return [
    route('GET', W, c => v1Workflow(state, requireOnWorkflow(c, 'workflows.workflows.get'))),
    route('GET', '/v1/projects/{project}/locations/{location}/workflows', c => {
      const { project, location } = c.params
      const proj = c.state.project(project)
      if (!c.state.can(c.identity, `projects/${proj?.projectId ?? project}`, 'workflows.workflows.list'))
        throw permissionDenied('workflows.workflows.list', `//workflows.googleapis.com/projects/${project}/locations/${location}`, 'workflows.googleapis.com')
      const all = [...state.workflows.values()].filter(w => w.project === proj!.projectId && (location === '-' || w.region === location))
      return listPage(c, all, 'workflows', 1000, w => v1Workflow(state, w))
    })
  ]
}

function executionsRoutes(state: FakeState): Route[] {
  const find = (c: Ctx, w: WorkflowRec): WorkflowExecutionRec => {
    const num = state.project(w.project)!.projectNumber
    const e = state.workflowExecutions.get(`projects/${num}/locations/${w.region}/workflows/${w.id}/executions/${c.params.execution}`)
    if (!e) throw notFound(`Resource '${w.name}/executions/${c.params.execution}' was not found`)
    return e
  }
  return [
    route('POST', `${W}/executions`, c => {
      const body = parseExecution(c.body)
      const w = requireOnWorkflow(c, 'workflows.executions.create', true)
      const tls = w.spec.timeline === undefined ? [] : Array.isArray(w.spec.timeline) ? w.spec.timeline : [w.spec.timeline]
      const tl = tls[Math.min(w.executions.length, tls.length - 1)] ?? {}
      const num = state.project(w.project)!.projectNumber
      const e: WorkflowExecutionRec = {
        // Workflows names executions by project number
        name: `projects/${num}/locations/${w.region}/workflows/${w.id}/executions/${randomUUID()}`,
        workflow: w.name,
        createdAt: Date.now(),
        timeline: {
          runMs: tl.runMs ?? DEFAULT_WORKFLOW_TIMELINE.runMs,
          outcome: tl.outcome ?? DEFAULT_WORKFLOW_TIMELINE.outcome,
          result: tl.result ?? DEFAULT_WORKFLOW_TIMELINE.result,
          ...(tl.error ? { error: tl.error } : {})
        },
        ...body
      }
      state.workflowExecutions.set(e.name, e)
      w.executions.push(e.name)
      return v1Execution(state, e, 'FULL')
    }),
    route('GET', `${W}/executions/{execution}`, c => {
      const w = requireOnWorkflow(c, 'workflows.executions.get')
      return v1Execution(state, find(c, w), viewOf(c, 'FULL'))
    }),
    route('GET', `${W}/executions`, c => {
      const w = requireOnWorkflow(c, 'workflows.executions.list')
      const view = viewOf(c, 'BASIC')
      const all = w.executions.map(n => state.workflowExecutions.get(n)!).reverse() // newest first, as Workflows orders by default
      return listPage(c, all, 'executions', view === 'FULL' ? 100 : 1000, e => v1Execution(state, e, view))
    })
  ]
}

const PROJECT_READ = ['resourcemanager.projects.get', 'resourcemanager.projects.list']
const EXECUTION_USE = [
  'workflows.callbacks.list',
  'workflows.callbacks.send',
  'workflows.executions.cancel',
  'workflows.executions.create',
  'workflows.executions.get',
  'workflows.executions.list',
  'workflows.stepEntries.get',
  'workflows.stepEntries.list'
]
const READ = [
  'workflows.callbacks.list',
  'workflows.executions.get',
  'workflows.executions.list',
  'workflows.locations.get',
  'workflows.locations.list',
  'workflows.operations.get',
  'workflows.operations.list',
  'workflows.stepEntries.get',
  'workflows.stepEntries.list',
  'workflows.workflows.get',
  'workflows.workflows.list',
  'workflows.workflows.listRevision'
]

export const workflows: ApiModule = {
  name: 'Workflows',
  apis: ['WORKFLOWS'],
  load: state => {
    for (const w of state.scenario.workflows ?? []) addWorkflow(state, w)
  },
  routes: env => workflowsRoutes(env.state),
  // Google's role pages (iam/docs/roles-permissions/workflows); the invoker cannot read the workflow itself
  roles: {
    'roles/workflows.admin': { grants: ['workflows.*', ...PROJECT_READ] },
    'roles/workflows.editor': {
      grants: [
        ...PROJECT_READ,
        ...new Set([
          ...EXECUTION_USE,
          ...READ,
          'workflows.operations.cancel',
          'workflows.workflows.create',
          'workflows.workflows.delete',
          'workflows.workflows.update'
        ])
      ]
    },
    'roles/workflows.invoker': { grants: [...PROJECT_READ, ...EXECUTION_USE] },
    'roles/workflows.viewer': { grants: [...PROJECT_READ, ...READ] }
  }
}

export const workflowExecutions: ApiModule = {
  name: 'Workflow Executions',
  apis: ['WORKFLOWEXECUTIONS'],
  routes: env => executionsRoutes(env.state)
}
