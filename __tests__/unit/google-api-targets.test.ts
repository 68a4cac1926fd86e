/**
 * Google API targets (Cloud Run jobs, workflows), called with an OAuth token: which job URIs are
 * theirs, the inputs that name them, what the plan finds and would change (token, scope, method,
 * roles), fix mode's writes, and the test run that follows the execution an attempt created.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { outputs } from '../../src/action/publish'
import { nullLogger, runEngine } from '../../src/engine'
import { applyPlan, preflight, PreflightError, type MissingPermission } from '../../src/engine/apply'
import { knownPolicies, observe, type Observed } from '../../src/engine/observe'
import { buildOutcome, explainFailure, type Outcome } from '../../src/engine/outcome'
import { hasBlocker, hasDrift, plan, type Check, type CheckId, type JobPlan } from '../../src/engine/plan'
import { testRun, type AttemptResult, type TestRunJob } from '../../src/engine/testrun'
import type { Binding, Job, Policy, RunExecution, WorkflowExecution } from '../../src/google/types'
import { runJobName } from '../../src/names'
import { renderMarkdown, testLine } from '../../src/render/markdown'
import { InputError, readSettings, type Settings } from '../../src/settings'
import { fromUri, type Access, type Target } from '../../src/targets'
import { cloudRunJob } from '../../src/targets/cloud-run-job'
import { workflow } from '../../src/targets/workflow'
import { RUN_JOB, RUN_JOB_URL, RUN_JOB_V1_URL, runJobTarget, WF, WF_URL, workflowTarget } from '../fixtures/api-targets'
import { MemoryGoogle, policyKey, type MemoryWorld } from '../fixtures/google'
import { AGENT, JOB, MEMBER, NUM, P, R, SA as SA_OF, SVC } from '../fixtures/names'
import { gen2Target, iamPolicy } from '../fixtures/targets'

// ---- the world ---------------------------------------------------------------------------------

const SA = SA_OF()
const SA2 = SA_OF('other')
const M = MEMBER(SA)
const M2 = MEMBER(SA2)
const AGENT_M = MEMBER(AGENT)
const PROJECT = `projects/${P}`
const ETL = RUN_JOB('etl')
const NIGHTLY = WF('nightly')
const U = 's3nsapis.fr'

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'
const PUBSUB_SCOPE = 'https://www.googleapis.com/auth/pubsub'
const AGENT_ROLE = 'roles/cloudscheduler.serviceAgent'
const RUN_INVOKER = 'roles/run.invoker'
const WITH_OVERRIDES = 'roles/run.jobsExecutorWithOverrides'
const WF_INVOKER = 'roles/workflows.invoker'

const bind = (role: string, ...members: string[]): Binding => ({ role, members })
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64')
/** A body that asks Cloud Run to override the job's container args and task count. */
const OVERRIDES_BODY = b64({ overrides: { containerOverrides: [{ args: ['--full'] }], taskCount: 2 } })

/** What `gcloud scheduler jobs update http` the remedies print to set the OAuth token of job `id`. */
const setOauth = (id = 'j1', account = SA): string =>
  `gcloud scheduler jobs update http ${id} --project ${P} --location ${R} --oauth-service-account-email ${account} --oauth-token-scope ${CLOUD_PLATFORM}`

interface Token {
  /** An OIDC token signed as this account (audience: the URI). */
  oidc?: string
  /** An OAuth token for this account. */
  oauth?: string
  /** The OAuth token's scope (absent when undefined). */
  scope?: string
  method?: string
  body?: string
}

/** A Scheduler HTTP job calling `uri`. */
function schedJob(id: string, uri: string, t: Token = {}): Job {
  return {
    name: JOB(id),
    schedule: '0 3 * * *',
    state: 'ENABLED',
    httpTarget: {
      uri,
      httpMethod: t.method ?? 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(t.body !== undefined ? { body: t.body } : {}),
      ...(t.oidc ? { oidcToken: { serviceAccountEmail: t.oidc, audience: uri } } : {}),
      ...(t.oauth ? { oauthToken: { serviceAccountEmail: t.oauth, ...(t.scope !== undefined ? { scope: t.scope } : {}) } } : {})
    }
  }
}

/** A project whose Scheduler service agent holds its role. */
const healthyProject = (...more: Binding[]): Policy => iamPolicy(bind(AGENT_ROLE, AGENT_M), ...more)

/** One job on one target, as observe would hand it to the plan. */
function one(t: Target, j: Job, projectPolicy: Policy = healthyProject()): Observed {
  return {
    project: { id: P, number: NUM },
    projectPolicy,
    jobs: [{ name: j.name, job: j, target: t.name }],
    targets: { [t.name]: t },
    hierarchy: { ancestors: [], deny: [], notes: [] },
    accounts: {}
  }
}
/** A job calling the workflow, whose binding resource (and so its policy) is the project. */
function onWorkflow(j: Job, projectPolicy: Policy): Observed {
  return one(workflowTarget({ policy: projectPolicy }), j, projectPolicy)
}

const settings = (inputs: Record<string, string> = {}): Settings => {
  const all: Record<string, string> = { job: 'j1', project_id: P, region: R, ...inputs }
  return readSettings(n => all[n] ?? '', {})
}

const byId = (j: JobPlan): Partial<Record<CheckId, Check>> => Object.fromEntries(j.checks.map(c => [c.id, c]))
const notOk = (j: JobPlan): CheckId[] =>
  j.checks
    .filter(c => c.severity !== 'ok')
    .map(c => c.id)
    .sort()

/** The in-memory Google with the Cloud Run job `etl` and the workflow `nightly`. */
function google(jobs: Job[], o: { runJobPolicy?: Policy; projectPolicy?: Policy; permissions?: Record<string, string[]> } = {}): MemoryGoogle {
  return new MemoryGoogle({
    jobs,
    runJobs: [{ name: ETL }],
    workflows: [{ name: NIGHTLY, state: 'ACTIVE' }],
    policies: {
      [policyKey('run.v2', ETL)]: o.runJobPolicy ?? iamPolicy(bind(RUN_INVOKER, M)),
      [policyKey('cloudresourcemanager.v1', PROJECT)]: o.projectPolicy ?? healthyProject(bind(WF_INVOKER, M))
    },
    permissions: o.permissions
  })
}

/** The calls made to the methods matching `method`, each as `method arg`. */
const callsTo = (g: MemoryGoogle, method: RegExp): string[] => g.calls.filter(c => method.test(c.method)).map(c => `${c.method} ${String(c.arg)}`)

// ---- 1. which URIs are Google API targets -------------------------------------------------------

describe('fromUri: the Google API URLs Scheduler calls', () => {
  it.each<[string, string]>([
    ['Cloud Run job, Admin v2, project id', RUN_JOB_URL()],
    ['Cloud Run job, Admin v2, project number', RUN_JOB_URL('etl', NUM)],
    ['Cloud Run job, legacy regional v1, project id', RUN_JOB_V1_URL()],
    ['Cloud Run job, legacy regional v1, project number', RUN_JOB_V1_URL('etl', NUM)],
    ['workflow, project id', WF_URL()],
    ['workflow, project number', WF_URL('nightly', NUM)]
  ])('%s is a target', (_, uri) => {
    expect(fromUri(uri, 'googleapis.com')).toBeDefined()
  })

  it.each<[string, string]>([
    ['Pub/Sub publish', `https://pubsub.googleapis.com/v1/projects/${P}/topics/t:publish`],
    ['a Cloud Run job read, not :run', RUN_JOB_URL().replace(/:run$/, '')],
    ['a Cloud Run service under the Admin API', `https://run.googleapis.com/v2/${SVC('svc')}`],
    ['the Workflows API itself, not Workflow Executions', `https://workflows.googleapis.com/v1/${NIGHTLY}`],
    ['one execution of a workflow', `${WF_URL()}/0b1c2d3e`],
    ['a look-alike host', RUN_JOB_URL().replace('run.googleapis.com', 'run.googleapis.com.example.net')],
    ['a webhook', 'https://hooks.example.com/jobs/etl:run']
  ])('%s is not', (_, uri) => {
    expect(fromUri(uri, 'googleapis.com')).toBeUndefined()
  })

  it('in another universe its own hosts are targets, and googleapis.com ones are not', () => {
    for (const uri of [RUN_JOB_URL('etl', P, U), RUN_JOB_V1_URL('etl', P, U), WF_URL('nightly', P, U)]) expect(fromUri(uri, U)).toBeDefined()
    for (const uri of [RUN_JOB_URL(), RUN_JOB_V1_URL(), WF_URL()]) expect(fromUri(uri, U)).toBeUndefined()
  })
})

describe('observe: Google API targets from job URIs', () => {
  it('a Cloud Run job by v2 id, v2 number and legacy URL is one target, read once; a workflow by id and number is one, bound on the project', async () => {
    const jobs = [
      schedJob('a', RUN_JOB_URL(), { oauth: SA }),
      schedJob('b', RUN_JOB_URL('etl', NUM), { oauth: SA }),
      schedJob('c', RUN_JOB_V1_URL(), { oauth: SA }),
      schedJob('d', WF_URL(), { oauth: SA }),
      schedJob('e', WF_URL('nightly', NUM), { oauth: SA })
    ]
    const g = google(jobs)
    const heard: string[] = []
    const s = settings({ job: 'a,b,c,d,e' })
    const o = await observe(g, s, (resource, surface, permissions) => heard.push(`${surface} ${resource} ${permissions.join(',')}`))

    expect(o.jobs.map(j => j.target)).toEqual([ETL, ETL, ETL, NIGHTLY, NIGHTLY])
    expect(o.targets[ETL]).toEqual({
      kind: cloudRunJob,
      name: ETL,
      bindingResource: ETL,
      policy: iamPolicy(bind(RUN_INVOKER, M)),
      urls: [RUN_JOB_URL()],
      audiences: [],
      customAudiences: [],
      invokerIamDisabled: false
    })
    expect(o.targets[NIGHTLY]).toEqual({
      kind: workflow,
      name: NIGHTLY,
      bindingResource: PROJECT,
      policy: healthyProject(bind(WF_INVOKER, M)),
      urls: [WF_URL()],
      audiences: [],
      customAudiences: [],
      invokerIamDisabled: false
    })
    // The workflow's policy is the project's, read once for the run.
    expect(o.targets[NIGHTLY].policy).toBe(o.projectPolicy)
    expect(callsTo(g, /^(run\.getJob|run\.v2\.getIamPolicy|workflows\.getWorkflow|cloudresourcemanager\.v1\.getIamPolicy)$/).sort()).toEqual(
      [`cloudresourcemanager.v1.getIamPolicy ${PROJECT}`, `run.getJob ${ETL}`, `run.v2.getIamPolicy ${ETL}`, `workflows.getWorkflow ${NIGHTLY}`].sort()
    )
    expect([...new Set(heard)].sort()).toEqual(
      [
        `cloudresourcemanager.v1 ${PROJECT} cloudscheduler.jobs.update,resourcemanager.projects.setIamPolicy`,
        `cloudresourcemanager.v1 ${PROJECT} resourcemanager.projects.setIamPolicy`,
        `run.v2 ${ETL} run.jobs.setIamPolicy`,
        `serviceAccount ${SA} iam.serviceAccounts.actAs`
      ].sort()
    )

    // Every form calls its target, and the whole setup is healthy.
    const p = plan(o, s)
    expect(p.jobs.map(j => byId(j)['job.uri']?.severity)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
    expect(p.jobs.map(notOk)).toEqual([[], [], [], [], []])
    expect(p.jobs.map(j => j.bindingResource)).toEqual([ETL, ETL, ETL, PROJECT, PROJECT])
    expect(p.changes).toEqual([])
  })

  it('a Cloud Run job URI naming another project by id is read in that project', async () => {
    const other = runJobName({ project: 'other-proj', region: R, id: 'etl' })
    const g = google([schedJob('a', RUN_JOB_URL('etl', 'other-proj'), { oauth: SA })])
    const o = await observe(g, settings({ job: 'a' }))
    expect(g.callsTo('run.getJob')).toEqual([other])
    expect(o.jobs[0].target).toBeUndefined()
    expect(o.jobs[0].targetError).toBe(`(404) NOT_FOUND ${other} not found (the job's URI names a target that does not exist)`)
  })

  it('cloud_run_job given, no job: the jobs are those that call it, in any URL form', async () => {
    const jobs = [
      schedJob('a', RUN_JOB_URL(), { oauth: SA }),
      schedJob('b', RUN_JOB_V1_URL('etl', NUM), { oauth: SA }),
      schedJob('c', RUN_JOB_URL('other'), { oauth: SA }),
      schedJob('d', WF_URL(), { oauth: SA })
    ]
    const g = google(jobs)
    const o = await observe(
      g,
      readSettings(n => ({ cloud_run_job: 'etl', project_id: P, region: R })[n] ?? '', {})
    )
    expect(o.explicitTarget).toBe(ETL)
    expect(o.jobs.map(j => [j.name, j.target])).toEqual([
      [JOB('a'), ETL],
      [JOB('b'), ETL]
    ])
  })

  it('another universe: its URLs resolve, the targets carry its hosts, and each job calls its target', async () => {
    const jobs = [
      schedJob('a', RUN_JOB_URL('etl', P, U), { oauth: SA }),
      schedJob('b', RUN_JOB_V1_URL('etl', NUM, U), { oauth: SA }),
      schedJob('c', WF_URL('nightly', P, U), { oauth: SA })
    ]
    const g = google(jobs)
    const s = settings({ job: 'a,b,c', universe: U })
    const o = await observe(g, s)
    expect(o.jobs.map(j => j.target)).toEqual([ETL, ETL, NIGHTLY])
    expect(o.targets[ETL].urls).toEqual([`https://run.${U}/v2/projects/${P}/locations/${R}/jobs/etl:run`])
    expect(o.targets[NIGHTLY].urls).toEqual([`https://workflowexecutions.${U}/v1/projects/${P}/locations/${R}/workflows/nightly/executions`])
    const p = plan(o, s)
    expect(p.jobs.map(notOk)).toEqual([[], [], []])
  })

  it('other googleapis.com URLs are not targets: nothing is read, and an OIDC token there is a blocker naming --oauth-service-account-email', async () => {
    const uri = `https://pubsub.googleapis.com/v1/projects/${P}/topics/t:publish`
    const g = google([schedJob('a', uri, { oidc: SA }), schedJob('b', uri, { oauth: SA })])
    const s = settings({ job: 'a,b' })
    const o = await observe(g, s)
    expect(o.jobs.map(j => j.target)).toEqual([undefined, undefined])
    expect(callsTo(g, /^(run|workflows)\./)).toEqual([])
    const p = plan(o, s)
    expect(byId(p.jobs[0])['job.token']).toEqual({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'OIDC token',
      expected: 'OAuth token (the target pubsub.googleapis.com is a Google API)',
      blocker: true,
      remedy: `gcloud scheduler jobs update http a --project ${P} --location ${R} --oauth-service-account-email ${SA}`,
      command: `gcloud scheduler jobs update http a --project ${P} --location ${R} --oauth-service-account-email ${SA}`
    })
    expect(hasBlocker(p.jobs[0])).toBe(true)
    expect(notOk(p.jobs[1])).toEqual([])
    expect(p.changes).toEqual([])
  })

  it('another universe: an OIDC token on one of its other Google APIs is a blocker too (googleapis.com becomes the universe domain)', async () => {
    const uri = `https://pubsub.${U}/v1/projects/${P}/topics/t:publish`
    const g = google([schedJob('a', uri, { oidc: SA })])
    const s = settings({ job: 'a', universe: U })
    const p = plan(await observe(g, s), s)
    expect(byId(p.jobs[0])['job.token']).toMatchObject({
      severity: 'error',
      found: 'OIDC token',
      expected: `OAuth token (the target pubsub.${U} is a Google API)`,
      blocker: true
    })
    expect(byId(p.jobs[0])['job.uri']).toBeUndefined()
  })
})

// ---- 2. the inputs -------------------------------------------------------------------------------

describe('readSettings: cloud_run_job, workflow, await_execution', () => {
  const read = (inputs: Record<string, string>): Settings => readSettings(n => inputs[n] ?? '', {})
  const errorOf = (inputs: Record<string, string>): string => {
    try {
      read(inputs)
    } catch (e) {
      expect(e).toBeInstanceOf(InputError)
      return (e as Error).message
    }
    throw new Error('no error')
  }

  it.each<[string, Record<string, string>, Pick<Settings, 'target' | 'project' | 'region' | 'location' | 'jobs'>]>([
    [
      'cloud_run_job id',
      { cloud_run_job: 'etl', project_id: P, region: R },
      { target: { input: 'cloud_run_job', id: 'etl' }, project: P, region: R, location: R, jobs: { kind: 'targeting' } }
    ],
    [
      'cloud_run_job full name gives project and region',
      { cloud_run_job: runJobName({ project: 'other-proj', region: 'europe-west1', id: 'etl-2' }) },
      { target: { input: 'cloud_run_job', id: 'etl-2' }, project: 'other-proj', region: 'europe-west1', location: 'europe-west1', jobs: { kind: 'targeting' } }
    ],
    [
      'workflow id, with jobs named',
      { workflow: 'nightly_Report-2', job: 'j1,j2', project_id: P, region: R },
      { target: { input: 'workflow', id: 'nightly_Report-2' }, project: P, region: R, location: R, jobs: { kind: 'named', ids: ['j1', 'j2'] } }
    ],
    [
      'workflow full name gives project and region',
      { workflow: `projects/other-proj/locations/europe-west1/workflows/nightly` },
      { target: { input: 'workflow', id: 'nightly' }, project: 'other-proj', region: 'europe-west1', location: 'europe-west1', jobs: { kind: 'targeting' } }
    ]
  ])('%s', (_, inputs, expected) => {
    expect(read(inputs)).toMatchObject(expected)
  })

  it.each<[string, Record<string, string>, string]>([
    [
      'cloud_run_job id with capitals and _',
      { cloud_run_job: 'ETL_job' },
      `Invalid 'cloud_run_job' "ETL_job": a Cloud Run job id is lowercase letters, digits and -`
    ],
    ['cloud_run_job id ending in -', { cloud_run_job: 'etl-' }, `Invalid 'cloud_run_job' "etl-": a Cloud Run job id is lowercase letters, digits and -`],
    [
      'cloud_run_job full name of a service',
      { cloud_run_job: `projects/${P}/locations/${R}/services/etl` },
      `Invalid 'cloud_run_job' "projects/${P}/locations/${R}/services/etl": expected an id or projects/PROJECT/locations/LOCATION/jobs/ID`
    ],
    [
      'workflow id starting with a digit',
      { workflow: '1nightly' },
      `Invalid 'workflow' "1nightly": a workflow id starts with a letter and has only letters, digits, - and _`
    ],
    [
      'workflow full name with a bad id',
      { workflow: `projects/${P}/locations/${R}/workflows/night.ly` },
      `Invalid 'workflow' "projects/${P}/locations/${R}/workflows/night.ly": "night.ly" is not a valid id`
    ],
    [
      'workflow full name with a bad project',
      { workflow: `projects/My_Proj/locations/${R}/workflows/nightly` },
      `Invalid 'workflow' "projects/My_Proj/locations/${R}/workflows/nightly": "My_Proj" is not a valid project id`
    ],
    [
      'function and cloud_run_job',
      { function: 'fn1', cloud_run_job: 'etl', project_id: P, region: R },
      `Invalid 'function' and 'cloud_run_job': both are set ("fn1", "etl"); give one target.`
    ],
    [
      'cloud_run_job and workflow',
      { cloud_run_job: 'etl', workflow: 'nightly', project_id: P, region: R },
      `Invalid 'cloud_run_job' and 'workflow': both are set ("etl", "nightly"); give one target.`
    ],
    [
      'service and workflow',
      { service: 'svc', workflow: 'nightly', project_id: P, region: R },
      `Invalid 'service' and 'workflow': both are set ("svc", "nightly"); give one target.`
    ],
    [
      "cloud_run_job with job '*'",
      { cloud_run_job: 'etl', job: '*', project_id: P, region: R },
      `Invalid 'job' "*": audits every job against the target its own URI calls, so it does not combine with 'cloud_run_job'; leave 'job' empty to check every job that calls that cloud_run_job.`
    ],
    [
      'region other than the workflow full name',
      { workflow: WF('nightly'), region: 'europe-west1' },
      `Invalid 'region' "europe-west1": the workflow full name is in ${R}.`
    ],
    [
      'await_execution not a boolean',
      { job: 'j1', project_id: P, region: R, await_execution: 'sometimes' },
      `Invalid 'await_execution' "sometimes": expected true or false.`
    ]
  ])('%s is rejected, naming the input', (_, inputs, message) => {
    expect(errorOf(inputs)).toBe(message)
  })

  it('three target inputs at once are rejected too', () => {
    expect(errorOf({ service: 'svc', cloud_run_job: 'etl', workflow: 'nightly', project_id: P, region: R })).toMatch(
      /^Invalid 'service' and 'cloud_run_job' and 'workflow': all are set \("svc", "etl", "nightly"\); give one target\.$/
    )
  })

  it.each<[string, boolean]>([
    ['', false],
    ['false', false],
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    [' off ', false]
  ])('await_execution %j → %s', (value, expected) => {
    expect(read({ job: 'j1', project_id: P, region: R, await_execution: value }).awaitExecution).toBe(expected)
  })
})

// ---- 3. the plan ---------------------------------------------------------------------------------

describe('access: the role fix grants, and every predefined role that is enough', () => {
  const RUN_ROLES = ['roles/run.invoker', 'roles/run.jobsExecutor', 'roles/run.jobsExecutorWithOverrides', 'roles/run.developer', 'roles/run.admin']
  it.each<[string, Target, Job, Access]>([
    [
      'Cloud Run job',
      runJobTarget(),
      schedJob('j1', RUN_JOB_URL(), { oauth: SA, body: b64({}) }),
      { role: RUN_INVOKER, permission: 'run.jobs.run', roles: [...RUN_ROLES, 'roles/editor', 'roles/owner'] }
    ],
    [
      'Cloud Run job, body with overrides',
      runJobTarget(),
      schedJob('j1', RUN_JOB_URL(), { oauth: SA, body: OVERRIDES_BODY }),
      {
        role: WITH_OVERRIDES,
        permission: 'run.jobs.runWithOverrides',
        roles: [WITH_OVERRIDES, 'roles/run.developer', 'roles/run.admin', 'roles/editor', 'roles/owner'],
        why: "the job's body has overrides"
      }
    ],
    [
      'Cloud Run job, a body that is not JSON',
      runJobTarget(),
      schedJob('j1', RUN_JOB_URL(), { oauth: SA, body: Buffer.from('overrides').toString('base64') }),
      { role: RUN_INVOKER, permission: 'run.jobs.run', roles: [...RUN_ROLES, 'roles/editor', 'roles/owner'] }
    ],
    [
      'workflow',
      workflowTarget(),
      schedJob('j1', WF_URL(), { oauth: SA }),
      {
        role: WF_INVOKER,
        permission: 'workflows.executions.create',
        roles: [WF_INVOKER, 'roles/workflows.editor', 'roles/workflows.admin', 'roles/editor', 'roles/owner']
      }
    ]
  ])('%s', (_, t, j, expected) => {
    expect(t.kind.access(t, j)).toEqual(expected)
  })
})

describe('plan: a Cloud Run job target', () => {
  const runJob = (...bindings: Binding[]): Target => runJobTarget({ policy: iamPolicy(...(bindings.length ? bindings : [bind(RUN_INVOKER, M)])) })

  it('an OIDC token → job.token drift fixed by job.oauth, and the OAuth token as the change', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL(), { oidc: SA })), settings())
    const jp = p.jobs[0]
    expect(jp.checks.map(c => [c.id, c.severity])).toEqual([
      ['job.type', 'ok'],
      ['job.state', 'ok'],
      ['job.uri', 'ok'],
      ['job.token', 'error'],
      ['job.service_account', 'error'],
      ['job.scope', 'error'],
      ['job.method', 'ok'],
      ['iam.invoker', 'ok'],
      ['iam.service_agent', 'ok']
    ])
    expect(byId(jp)['job.token']).toEqual({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'OIDC token',
      expected: 'OAuth token',
      fixedBy: 'job.oauth',
      remedy: `Google APIs reject OIDC ID tokens (401). ${setOauth()}`,
      command: setOauth()
    })
    expect(byId(jp)['job.service_account']).toEqual({
      id: 'job.service_account',
      title: 'Invoker account',
      severity: 'error',
      found: 'none',
      expected: SA,
      fixedBy: 'job.oauth',
      remedy: setOauth(),
      command: setOauth()
    })
    expect(byId(jp)['job.scope']).toEqual({
      id: 'job.scope',
      title: 'OAuth scope',
      severity: 'error',
      found: 'none (no OAuth token)',
      expected: CLOUD_PLATFORM,
      fixedBy: 'job.oauth'
    })
    expect(p.changes).toEqual([
      { job: JOB('j1'), resource: JOB('j1'), kind: 'job.oauth', before: null, after: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } }
    ])
    expect(jp).toMatchObject({ target: ETL, bindingResource: ETL, invoker: SA })
    expect(jp.audience).toBeUndefined()
    expect(hasDrift(jp)).toBe(true)
    expect(hasBlocker(jp)).toBe(false)
  })

  it('no token, invoker_service_account given → the same drift and change', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL())), settings({ invoker_service_account: SA }))
    const jp = p.jobs[0]
    expect(byId(jp)['job.token']).toEqual({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'no token',
      expected: 'OAuth token',
      fixedBy: 'job.oauth',
      remedy: `Without a token Google APIs answer (401). ${setOauth()}`,
      command: setOauth()
    })
    expect(notOk(jp)).toEqual(['job.scope', 'job.service_account', 'job.token'])
    expect(p.changes).toEqual([
      { job: JOB('j1'), resource: JOB('j1'), kind: 'job.oauth', before: null, after: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } }
    ])
  })

  it('no token and no invoker_service_account → a blocker naming the input, nothing to change', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL())), settings())
    const jp = p.jobs[0]
    expect(byId(jp)['job.service_account']).toEqual({
      id: 'job.service_account',
      title: 'Invoker account',
      severity: 'error',
      found: 'none',
      expected: 'a service account',
      blocker: true,
      remedy: "The job has no token account: set 'invoker_service_account' to the account the job should sign its OAuth token as."
    })
    expect(byId(jp)['iam.invoker']).toBeUndefined()
    expect(p.changes).toEqual([])
  })

  it('an OAuth token with another scope → job.scope drift, and only the scope changes', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL(), { oauth: SA, scope: PUBSUB_SCOPE })), settings())
    const jp = p.jobs[0]
    expect(notOk(jp)).toEqual(['job.scope'])
    expect(byId(jp)['job.scope']).toEqual({
      id: 'job.scope',
      title: 'OAuth scope',
      severity: 'error',
      found: PUBSUB_SCOPE,
      expected: CLOUD_PLATFORM,
      fixedBy: 'job.oauth',
      remedy: `A token without ${CLOUD_PLATFORM} is refused (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT). ${setOauth()}`,
      command: setOauth()
    })
    expect(p.changes).toEqual([
      {
        job: JOB('j1'),
        resource: JOB('j1'),
        kind: 'job.oauth',
        before: { serviceAccountEmail: SA, scope: PUBSUB_SCOPE },
        after: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM }
      }
    ])
  })

  it.each<[string, string | undefined, string]>([
    ['absent', undefined, `(empty: ${CLOUD_PLATFORM})`],
    ['empty', '', `(empty: ${CLOUD_PLATFORM})`],
    ['cloud-platform', CLOUD_PLATFORM, CLOUD_PLATFORM]
  ])('an OAuth token with its scope %s → ok, nothing to change', (_, scope, found) => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL(), { oauth: SA, scope })), settings())
    expect(byId(p.jobs[0])['job.scope']).toEqual({ id: 'job.scope', title: 'OAuth scope', severity: 'ok', found, expected: CLOUD_PLATFORM })
    expect(notOk(p.jobs[0])).toEqual([])
    expect(p.changes).toEqual([])
  })

  it('a GET → a job.method blocker with the gcloud command; the method itself plans no change', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL(), { oauth: SA, method: 'GET' })), settings())
    const jp = p.jobs[0]
    const c = byId(jp)['job.method']!
    expect(c).toEqual({
      id: 'job.method',
      title: 'HTTP method',
      severity: 'error',
      found: 'GET',
      expected: 'POST',
      blocker: true,
      remedy: `The API starts an execution only on POST; the action writes only token fields, so change the method yourself: gcloud scheduler jobs update http j1 --project ${P} --location ${R} --http-method POST`,
      command: `gcloud scheduler jobs update http j1 --project ${P} --location ${R} --http-method POST`
    })
    expect(c.remedy).toContain('--http-method POST')
    expect(c.remedy).toContain(`--project ${P}`)
    expect(notOk(jp)).toEqual(['job.method'])
    expect(hasBlocker(jp)).toBe(true)
    expect(p.changes).toEqual([])
  })

  it('a GET with an OIDC token → the blocker, and only the token change', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL(), { oidc: SA, method: 'GET' })), settings())
    expect(byId(p.jobs[0])['job.method']).toMatchObject({ severity: 'error', blocker: true, found: 'GET' })
    expect(p.changes).toEqual([
      { job: JOB('j1'), resource: JOB('j1'), kind: 'job.oauth', before: null, after: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } }
    ])
  })

  it('the invoker role missing → iam.invoker drift, and roles/run.invoker granted on the job', () => {
    const t = runJobTarget({ policy: iamPolicy() })
    const p = plan(one(t, schedJob('j1', RUN_JOB_URL(), { oauth: SA })), settings())
    expect(notOk(p.jobs[0])).toEqual(['iam.invoker'])
    expect(byId(p.jobs[0])['iam.invoker']).toEqual({
      id: 'iam.invoker',
      title: 'Invoker role',
      severity: 'error',
      found: 'missing',
      expected: `${RUN_INVOKER} for ${M} on ${ETL}`,
      fixedBy: 'iam.invoker',
      remedy: `Without it the target answers 403. gcloud run jobs add-iam-policy-binding etl --project ${P} --region ${R} --member ${M} --role ${RUN_INVOKER}`,
      command: `gcloud run jobs add-iam-policy-binding etl --project ${P} --region ${R} --member ${M} --role ${RUN_INVOKER}`
    })
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: ETL, kind: 'iam.invoker', before: null, after: { role: RUN_INVOKER, member: M } }])
  })

  it.each<[string, Binding[], Binding[], string]>([
    ['roles/run.jobsExecutor on the job', [bind('roles/run.jobsExecutor', M)], [], 'roles/run.jobsExecutor on the Cloud Run job'],
    ['roles/run.invoker on the project', [], [bind(RUN_INVOKER, M)], 'roles/run.invoker on the project (inherited)'],
    ['roles/run.admin on the job', [bind('roles/run.admin', M)], [], 'roles/run.admin on the Cloud Run job'],
    ['roles/editor on the project', [], [bind('roles/editor', M)], 'roles/editor on the project (inherited)']
  ])('%s is enough: ok, nothing granted', (_, onJob, onProject, found) => {
    const t = runJobTarget({ policy: iamPolicy(...onJob) })
    const p = plan(one(t, schedJob('j1', RUN_JOB_URL(), { oauth: SA }), healthyProject(...onProject)), settings())
    expect(byId(p.jobs[0])['iam.invoker']).toEqual({
      id: 'iam.invoker',
      title: 'Invoker role',
      severity: 'ok',
      found,
      expected: `${RUN_INVOKER} for ${M} on ${ETL}`
    })
    expect(p.changes).toEqual([])
  })

  it.each<[string, Binding[], string]>([
    ['roles/run.viewer', [bind('roles/run.viewer', M)], 'missing'],
    [
      'roles/run.invoker in a conditional binding',
      [{ role: RUN_INVOKER, members: [M], condition: { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' } }],
      `${RUN_INVOKER} only in a conditional binding`
    ],
    [
      'roles/run.invoker held by the Scheduler service agent',
      [bind(RUN_INVOKER, AGENT_M)],
      `${RUN_INVOKER} held by the Cloud Scheduler service agent, which is not the account the job's token is signed as`
    ],
    ['roles/run.invoker held by another account', [bind(RUN_INVOKER, M2)], `${RUN_INVOKER} held by ${M2} only`]
  ])('%s is not enough', (_, onJob, found) => {
    const p = plan(one(runJobTarget({ policy: iamPolicy(...onJob) }), schedJob('j1', RUN_JOB_URL(), { oauth: SA })), settings())
    expect(byId(p.jobs[0])['iam.invoker']).toMatchObject({ severity: 'error', found, fixedBy: 'iam.invoker' })
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: ETL, kind: 'iam.invoker', before: null, after: { role: RUN_INVOKER, member: M } }])
  })

  it('a body with overrides needs roles/run.jobsExecutorWithOverrides: roles/run.invoker alone is not enough', () => {
    const p = plan(one(runJob(bind(RUN_INVOKER, M)), schedJob('j1', RUN_JOB_URL(), { oauth: SA, body: OVERRIDES_BODY })), settings())
    expect(notOk(p.jobs[0])).toEqual(['iam.invoker'])
    expect(byId(p.jobs[0])['iam.invoker']).toEqual({
      id: 'iam.invoker',
      title: 'Invoker role',
      severity: 'error',
      found: 'missing',
      expected: `${WITH_OVERRIDES} for ${M} on ${ETL} (the job's body has overrides)`,
      fixedBy: 'iam.invoker',
      remedy: `Without it the target answers 403. gcloud run jobs add-iam-policy-binding etl --project ${P} --region ${R} --member ${M} --role ${WITH_OVERRIDES}`,
      command: `gcloud run jobs add-iam-policy-binding etl --project ${P} --region ${R} --member ${M} --role ${WITH_OVERRIDES}`
    })
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: ETL, kind: 'iam.invoker', before: null, after: { role: WITH_OVERRIDES, member: M } }])
  })

  it.each<[string, Binding[], Binding[], string]>([
    ['roles/run.developer on the job', [bind('roles/run.developer', M)], [], 'roles/run.developer on the Cloud Run job'],
    ['roles/run.jobsExecutorWithOverrides on the job', [bind(WITH_OVERRIDES, M)], [], `${WITH_OVERRIDES} on the Cloud Run job`],
    ['roles/run.admin on the project', [], [bind('roles/run.admin', M)], 'roles/run.admin on the project (inherited)']
  ])('a body with overrides and %s: ok, nothing granted', (_, onJob, onProject, found) => {
    const t = runJobTarget({ policy: iamPolicy(...onJob) })
    const p = plan(one(t, schedJob('j1', RUN_JOB_URL(), { oauth: SA, body: OVERRIDES_BODY }), healthyProject(...onProject)), settings())
    expect(byId(p.jobs[0])['iam.invoker']).toMatchObject({ severity: 'ok', found })
    expect(p.changes).toEqual([])
  })

  it('a body with overrides and roles/run.jobsExecutor → still drift', () => {
    const p = plan(one(runJob(bind('roles/run.jobsExecutor', M)), schedJob('j1', RUN_JOB_URL(), { oauth: SA, body: OVERRIDES_BODY })), settings())
    expect(notOk(p.jobs[0])).toEqual(['iam.invoker'])
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: ETL, kind: 'iam.invoker', before: null, after: { role: WITH_OVERRIDES, member: M } }])
  })

  it('a job calling another Cloud Run job than the one named → a job.uri blocker, nothing changed', () => {
    const p = plan(one(runJob(), schedJob('j1', RUN_JOB_URL('other'), { oidc: SA })), settings({ cloud_run_job: 'etl' }))
    expect(byId(p.jobs[0])['job.uri']).toMatchObject({ severity: 'error', blocker: true, expected: `a URL of ${ETL} (${RUN_JOB_URL()})` })
    expect(p.changes).toEqual([])
  })
})

describe('plan: a workflow target', () => {
  it('roles/workflows.invoker missing → granted on the project', () => {
    const p = plan(onWorkflow(schedJob('j1', WF_URL(), { oauth: SA }), healthyProject()), settings())
    const jp = p.jobs[0]
    expect(jp).toMatchObject({ target: NIGHTLY, bindingResource: PROJECT, invoker: SA })
    expect(notOk(jp)).toEqual(['iam.invoker'])
    expect(byId(jp)['iam.invoker']).toEqual({
      id: 'iam.invoker',
      title: 'Invoker role',
      severity: 'error',
      found: 'missing',
      expected: `${WF_INVOKER} for ${M} on ${PROJECT}`,
      fixedBy: 'iam.invoker',
      remedy: `Without it the target answers 403. gcloud projects add-iam-policy-binding ${P} --project ${P} --member ${M} --role ${WF_INVOKER}`,
      command: `gcloud projects add-iam-policy-binding ${P} --project ${P} --member ${M} --role ${WF_INVOKER}`
    })
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: PROJECT, kind: 'iam.invoker', before: null, after: { role: WF_INVOKER, member: M } }])
  })

  it.each<[string, string]>([
    ['roles/workflows.invoker', WF_INVOKER],
    ['roles/workflows.editor', 'roles/workflows.editor'],
    ['roles/workflows.admin', 'roles/workflows.admin'],
    ['roles/owner', 'roles/owner']
  ])('%s on the project is enough', (_, role) => {
    const p = plan(onWorkflow(schedJob('j1', WF_URL(), { oauth: SA }), healthyProject(bind(role, M))), settings())
    expect(byId(p.jobs[0])['iam.invoker']).toEqual({
      id: 'iam.invoker',
      title: 'Invoker role',
      severity: 'ok',
      found: `${role} on the project`,
      expected: `${WF_INVOKER} for ${M} on ${PROJECT}`
    })
    expect(p.changes).toEqual([])
  })

  it('roles/run.invoker on the project is not enough for a workflow', () => {
    const p = plan(onWorkflow(schedJob('j1', WF_URL(), { oauth: SA }), healthyProject(bind(RUN_INVOKER, M))), settings())
    expect(byId(p.jobs[0])['iam.invoker']).toMatchObject({ severity: 'error', found: 'missing' })
  })

  it('the service agent grant and the workflows.invoker grant are two changes on the project', () => {
    const p = plan(onWorkflow(schedJob('j1', WF_URL(), { oauth: SA }), iamPolicy()), settings())
    expect(notOk(p.jobs[0])).toEqual(['iam.invoker', 'iam.service_agent'])
    expect(p.changes).toEqual([
      { job: JOB('j1'), resource: PROJECT, kind: 'iam.invoker', before: null, after: { role: WF_INVOKER, member: M } },
      { job: JOB('j1'), resource: PROJECT, kind: 'iam.service_agent', before: null, after: { role: AGENT_ROLE, member: AGENT_M } }
    ])
  })

  it('an OIDC token on a workflow job → the OAuth token change', () => {
    const p = plan(onWorkflow(schedJob('j1', WF_URL(), { oidc: SA }), healthyProject(bind(WF_INVOKER, M))), settings())
    expect(notOk(p.jobs[0])).toEqual(['job.scope', 'job.service_account', 'job.token'])
    expect(p.changes).toEqual([
      { job: JOB('j1'), resource: JOB('j1'), kind: 'job.oauth', before: null, after: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } }
    ])
  })
})

describe('plan: OIDC targets are as before', () => {
  it('a healthy gen 2 job: the OIDC checks, all ok, no OAuth checks, nothing to change', () => {
    const svc = SVC('fn2')
    const t = gen2Target({ service: svc, policy: iamPolicy(bind(RUN_INVOKER, M)) })
    const url = t.urls[0]
    const p = plan(one(t, schedJob('j1', url, { oidc: SA })), settings())
    expect(p.jobs[0].checks.map(c => [c.id, c.severity])).toEqual([
      ['job.type', 'ok'],
      ['job.state', 'ok'],
      ['job.uri', 'ok'],
      ['target.ingress', 'ok'],
      ['job.token', 'ok'],
      ['job.service_account', 'ok'],
      ['job.audience', 'ok'],
      ['iam.invoker', 'ok'],
      ['iam.service_agent', 'ok']
    ])
    expect(p.jobs[0]).toMatchObject({ bindingResource: svc, audience: url, invoker: SA })
    expect(p.changes).toEqual([])
  })
})

// ---- 4. fix mode's writes --------------------------------------------------------------------------

/** Fix mode's reads, plan and writes over the in-memory Google (no preflight: see its own tests). */
async function fix(jobs: Job[], world: Parameters<typeof google>[1] = {}, inputs: Record<string, string> = {}) {
  const g = google(jobs, world)
  const s = settings({ mode: 'fix', ...inputs })
  const o = await observe(g, s)
  const p = plan(o, s)
  const applied = await applyPlan(g, p, knownPolicies(o))
  return { g, o, p, applied }
}

interface PatchCall {
  name: string
  job: Job
  updateMask: string[]
}
const patches = (g: MemoryGoogle): PatchCall[] => g.callsTo('scheduler.patchJob') as PatchCall[]

describe('apply: the OAuth token patch', () => {
  it('a job with an OIDC token gets the OAuth token; the mask names both OAuth fields and nothing else', async () => {
    const before = schedJob('j1', RUN_JOB_URL(), { oidc: SA, body: b64({}) })
    const { g, p, applied } = await fix([structuredClone(before)])
    expect(patches(g)).toEqual([
      {
        name: JOB('j1'),
        job: { httpTarget: { oauthToken: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } } },
        updateMask: ['httpTarget.oauthToken.serviceAccountEmail', 'httpTarget.oauthToken.scope']
      }
    ])
    // Scheduler's token is a oneof: the OIDC token is gone, everything else on the job stays.
    const { oidcToken: _, ...rest } = before.httpTarget!
    expect(g.world.jobs[0]).toEqual({ ...before, httpTarget: { ...rest, oauthToken: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } } })
    expect(applied).toMatchObject({ landed: p.changes, failed: [] })
    expect(callsTo(g, /setIamPolicy$/)).toEqual([])
  })

  it('only the scope wrong → the mask names only the scope', async () => {
    const { g } = await fix([schedJob('j1', RUN_JOB_URL(), { oauth: SA, scope: PUBSUB_SCOPE })])
    expect(patches(g)).toEqual([
      {
        name: JOB('j1'),
        job: { httpTarget: { oauthToken: { serviceAccountEmail: SA, scope: CLOUD_PLATFORM } } },
        updateMask: ['httpTarget.oauthToken.scope']
      }
    ])
    expect(g.world.jobs[0].httpTarget?.oauthToken).toEqual({ serviceAccountEmail: SA, scope: CLOUD_PLATFORM })
  })

  it('only the account wrong, scope empty → the mask names only the account, and the empty scope is kept', async () => {
    const { g, p } = await fix(
      [schedJob('j1', WF_URL(), { oauth: SA })],
      { projectPolicy: healthyProject(bind(WF_INVOKER, M2)) },
      { invoker_service_account: SA2 }
    )
    expect(p.changes).toEqual([
      {
        job: JOB('j1'),
        resource: JOB('j1'),
        kind: 'job.oauth',
        before: { serviceAccountEmail: SA, scope: null },
        after: { serviceAccountEmail: SA2, scope: '' }
      }
    ])
    expect(patches(g).map(c => c.updateMask)).toEqual([['httpTarget.oauthToken.serviceAccountEmail']])
    expect(g.world.jobs[0].httpTarget?.oauthToken).toEqual({ serviceAccountEmail: SA2 })
  })
})

describe('apply: grants for Google API targets', () => {
  it('workflows.invoker and the service agent role on the project: ONE setIamPolicy with both bindings, the rest kept', async () => {
    const owner = bind('roles/owner', 'user:owner@example.com')
    const { g, p, applied } = await fix([schedJob('j1', WF_URL(), { oauth: SA })], { projectPolicy: iamPolicy(owner) })
    expect(p.changes.map(c => [c.kind, c.resource])).toEqual([
      ['iam.invoker', PROJECT],
      ['iam.service_agent', PROJECT]
    ])
    expect(g.callsTo('cloudresourcemanager.v1.setIamPolicy')).toEqual([
      { resource: PROJECT, policy: { version: 3, etag: 'BwX1', bindings: [owner, bind(WF_INVOKER, M), bind(AGENT_ROLE, AGENT_M)] } }
    ])
    expect(callsTo(g, /setIamPolicy$/)).toHaveLength(1)
    expect(patches(g)).toEqual([])
    expect(applied).toMatchObject({ landed: p.changes, failed: [] })
  })

  it('roles/run.invoker on the Cloud Run job: written on the job, through Cloud Run', async () => {
    const { g, applied } = await fix([schedJob('j1', RUN_JOB_URL(), { oauth: SA })], { runJobPolicy: iamPolicy() })
    expect(g.callsTo('run.v2.setIamPolicy')).toEqual([{ resource: ETL, policy: { version: 3, etag: 'BwX1', bindings: [bind(RUN_INVOKER, M)] } }])
    expect(callsTo(g, /setIamPolicy$/)).toHaveLength(1)
    expect(applied.landed.map(c => c.kind)).toEqual(['iam.invoker'])
  })
})

describe('preflight: what fix mode asks before writing for Google API targets', () => {
  const key = (m: MissingPermission): string => `${m.resource} ${m.permission} ${m.role}`
  async function preflightOf(jobs: Job[], world: Parameters<typeof google>[1]) {
    const g = google(jobs, world)
    const s = settings({ mode: 'fix' })
    const o = await observe(g, s)
    const p = plan(o, s)
    const e = await preflight(g, p, P, knownPolicies(o)).catch((x: unknown) => x)
    return { g, p, e }
  }

  it('a workflow grant: resourcemanager.projects.setIamPolicy on the project', async () => {
    const { g, e } = await preflightOf([schedJob('j1', WF_URL(), { oauth: SA })], { projectPolicy: healthyProject() })
    expect(e).toBeInstanceOf(PreflightError)
    expect((e as PreflightError).missing).toEqual([
      { resource: PROJECT, permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' }
    ])
    expect(g.callsTo('cloudresourcemanager.v1.testIamPermissions')).toEqual([PROJECT])
    expect(g.callsTo('run.v2.testIamPermissions')).toEqual([])
  })

  it('a workflow grant the caller may write: no error', async () => {
    const { e } = await preflightOf([schedJob('j1', WF_URL(), { oauth: SA })], {
      projectPolicy: iamPolicy(),
      permissions: { [PROJECT]: ['resourcemanager.projects.setIamPolicy'] }
    })
    expect(e).toBeUndefined()
  })

  it('a Cloud Run job grant: run.jobs.setIamPolicy on the job', async () => {
    const { g, e } = await preflightOf([schedJob('j1', RUN_JOB_URL(), { oauth: SA })], { runJobPolicy: iamPolicy() })
    expect((e as PreflightError).missing).toEqual([{ resource: ETL, permission: 'run.jobs.setIamPolicy', role: 'roles/run.admin' }])
    expect(g.callsTo('run.v2.testIamPermissions')).toEqual([ETL])
  })

  it('a token patch and a Cloud Run job grant: the job update, the job policy and actAs on the account', async () => {
    const { e } = await preflightOf([schedJob('j1', RUN_JOB_URL(), { oidc: SA })], { runJobPolicy: iamPolicy() })
    expect((e as PreflightError).missing.map(key).sort()).toEqual(
      [
        `${PROJECT} cloudscheduler.jobs.update roles/cloudscheduler.admin`,
        `${ETL} run.jobs.setIamPolicy roles/run.admin`,
        `serviceAccounts/${SA} iam.serviceAccounts.actAs roles/iam.serviceAccountUser`
      ].sort()
    )
  })
})

// ---- 5. the test run and the execution it created --------------------------------------------------

const OLD_ATTEMPT = '2024-01-01T00:00:00.000Z'
const NOW = new Date('2025-06-02T08:00:00.000Z')
/** Google's timestamps carry nanoseconds. */
const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '000000Z')
const FINISHED = 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished'
const FAILURE = 'Task etl-fail-task0 failed with exit code 1'
const RUN_EXEC = (id: string): string => `${ETL}/executions/${id}`
const WF_EXEC = (id: string): string => `${NIGHTLY}/executions/${id}`

type Later = (ms: number, change: () => void) => void
/** What the API does once an attempt reached it at `at`: start an execution, move it along `later`. */
type Script = (at: number, later: Later, g: MemoryGoogle) => void

/**
 * Scheduler and the API behind it, on the fake clock: each `jobs.run` shows its attempt on the
 * next read of the job, logged with HTTP `status`; on a 2xx, `onAttempt` lets the API start an
 * execution and move it along (`later`: after so many ms, seen by the next executions read).
 */
function attemptGoogle(uri: string, world: MemoryWorld, onAttempt: Script, status = 200): MemoryGoogle {
  const g = new MemoryGoogle({ ...world, jobs: [{ ...schedJob('j1', uri, { oauth: SA }), lastAttemptTime: OLD_ATTEMPT }] })
  const timeline: { at: number; change: () => void }[] = []
  const later: Later = (ms, change) => void timeline.push({ at: Date.now() + ms, change })
  let ran = false
  g.before.set('scheduler.runJob', () => void (ran = true))
  g.before.set('scheduler.getJob', () => {
    if (!ran) return
    ran = false
    const job = g.world.jobs[0]
    job.lastAttemptTime = new Date().toISOString()
    job.status = status < 300 ? {} : { code: 7, message: 'PERMISSION_DENIED' }
    g.world.logEntries.push({
      logName: `projects/${P}/logs/cloudscheduler.googleapis.com%2Fexecutions`,
      timestamp: job.lastAttemptTime,
      resource: { type: 'cloud_scheduler_job', labels: { job_id: 'j1', location: R, project_id: P } },
      httpRequest: { status },
      jsonPayload: { '@type': FINISHED, jobName: job.name }
    })
    if (status < 300) onAttempt(Date.now(), later, g)
  })
  const due = (): void => {
    for (const t of timeline.filter(x => x.at <= Date.now())) {
      timeline.splice(timeline.indexOf(t), 1)
      t.change()
    }
  }
  for (const m of ['run.listExecutions', 'run.getExecution', 'workflows.listExecutions', 'workflows.getExecution']) g.before.set(m, due)
  return g
}

/** A Cloud Run execution created at `created`, running (started a second later). */
const runExecution = (id: string, created: number): RunExecution => ({
  name: RUN_EXEC(id),
  createTime: stamp(created),
  startTime: stamp(created + 1000),
  conditions: [{ type: 'Completed', state: 'CONDITION_PENDING' }],
  runningCount: 1
})
/** Ends a running Cloud Run execution `durationMs` after it started. */
function endRun(e: RunExecution, durationMs: number, failure?: string): void {
  Object.assign(e, {
    completionTime: stamp(Date.parse(e.startTime!) + durationMs),
    runningCount: 0,
    ...(failure
      ? { failedCount: 1, conditions: [{ type: 'Completed', state: 'CONDITION_FAILED', message: failure }] }
      : { succeededCount: 1, conditions: [{ type: 'Completed', state: 'CONDITION_SUCCEEDED' }] })
  })
}
/** Cloud Run creates the execution half a second after the attempt, and ends it 30 s later. */
function cloudRunScript(end?: 'succeeded' | 'failed'): Script {
  return (at, later, g) => {
    const e = runExecution(end === 'failed' ? 'etl-fail' : 'etl-ok', at + 500)
    later(500, () => void g.world.runExecutions.unshift(e))
    if (end) later(30_000, () => endRun(e, 28_500, end === 'failed' ? FAILURE : undefined))
  }
}

const WF_ERROR = '{"message":"HTTP server responded with error code 500","tags":["HttpError"]}'

/** The test-run job, following the execution through the target kind's own follower. */
function tracked(g: MemoryGoogle, t: Target): TestRunJob {
  const followExecution = t.kind.followExecution!
  return {
    name: JOB('j1'),
    lastAttemptTime: OLD_ATTEMPT,
    retryWhilePropagating: false,
    followExecution: (since, deadline) => followExecution(g, t, since, deadline, 1000)
  }
}
const OPTIONS = { project: P, expectedStatus: 200, jobPollMs: 5, logPollMs: 10, logWaitMs: 150 }

/** Every sleep, poll, deadline and timestamp of the describe's runs is on the fake clock. */
function useFakeClock(): void {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] })
    jest.setSystemTime(NOW)
  })
  afterEach(() => {
    jest.useRealTimers()
  })
}

/** Runs the fake clock until `run` settles. */
async function settle<T>(run: Promise<T>): Promise<T> {
  let done = false
  void run.then(
    () => void (done = true),
    () => void (done = true)
  )
  await jest.runAllTimersAsync()
  if (!done) throw new Error('still pending with no timer left')
  return run
}

/** One test run of a job calling the Cloud Run job, with the execution scripted by `script`. */
async function runCloudRunJob(script: Script, timeoutMs: number, earlier: RunExecution[] = []) {
  const g = attemptGoogle(RUN_JOB_URL(), { runJobs: [{ name: ETL }], runExecutions: earlier }, script)
  const [r] = await settle(testRun(g, [tracked(g, runJobTarget())], { ...OPTIONS, timeoutMs }))
  return { g, r }
}
const nothing: Script = () => {}

describe('testRun: following a Cloud Run job execution (await_execution)', () => {
  useFakeClock()
  it('a passing attempt, then the execution succeeds → passed, with its name, state and duration', async () => {
    const { r } = await runCloudRunJob(cloudRunScript('succeeded'), 120_000)
    expect(r).toMatchObject({ job: JOB('j1'), httpStatus: 200, inferred: false, runs: 1, passed: true })
    expect(r.error).toBeUndefined()
    expect(r.execution).toEqual({ name: RUN_EXEC('etl-ok'), state: 'EXECUTION_SUCCEEDED', succeeded: true, running: false, durationMs: 28_500 })
  })

  it('the execution fails → not passed, its error quoted', async () => {
    const { r } = await runCloudRunJob(cloudRunScript('failed'), 120_000)
    expect(r).toMatchObject({ httpStatus: 200, passed: false })
    expect(r.error).toBeUndefined()
    expect(r.execution).toEqual({
      name: RUN_EXEC('etl-fail'),
      state: 'EXECUTION_FAILED',
      succeeded: false,
      running: false,
      durationMs: 28_500,
      error: FAILURE
    })
  })

  it('still running at the deadline → running, not passed, within the timeout', async () => {
    const started = Date.now()
    const { r } = await runCloudRunJob(cloudRunScript(), 20_000)
    expect(Date.now() - started).toBeLessThanOrEqual(20_000)
    expect(r).toMatchObject({ httpStatus: 200, passed: false })
    expect(r.execution).toEqual({ name: RUN_EXEC('etl-ok'), state: 'RUNNING', succeeded: false, running: true })
  })

  it('no execution created after the run → not passed, saying none was found', async () => {
    const { g, r } = await runCloudRunJob(nothing, 20_000)
    expect(r).toMatchObject({ httpStatus: 200, passed: false })
    expect(r.execution).toEqual({
      name: '',
      state: 'NOT_FOUND',
      succeeded: false,
      running: false,
      error: 'no execution created by the attempt was found before the timeout'
    })
    expect(g.callsTo('run.listExecutions').length).toBeGreaterThan(1)
  })

  it('an execution created before the run is not taken for the attempt', async () => {
    const old = runExecution('etl-old', NOW.getTime() - 60_000)
    endRun(old, 10_000)
    const { r } = await runCloudRunJob(nothing, 20_000, [old])
    expect(r.passed).toBe(false)
    expect(r.execution).toMatchObject({ name: '', state: 'NOT_FOUND' })
  })

  it('an earlier success does not hide the failure of the execution the attempt created', async () => {
    const old = runExecution('etl-old', NOW.getTime() - 60_000)
    endRun(old, 10_000)
    const { r } = await runCloudRunJob(cloudRunScript('failed'), 120_000, [old])
    expect(r.passed).toBe(false)
    expect(r.execution).toMatchObject({ name: RUN_EXEC('etl-fail'), state: 'EXECUTION_FAILED', error: FAILURE })
  })

  it('executions that cannot be listed → not passed, the error kept', async () => {
    const mg = attemptGoogle(RUN_JOB_URL(), { runJobs: [{ name: ETL }] }, nothing)
    mg.fail.set('run.listExecutions', () => new Error('(403) PERMISSION_DENIED run.executions.list denied'))
    const [r] = await settle(testRun(mg, [tracked(mg, runJobTarget())], { ...OPTIONS, timeoutMs: 20_000 }))
    expect(r.passed).toBe(false)
    expect(r.execution).toEqual({ name: '', state: 'UNKNOWN', succeeded: false, running: false, error: '(403) PERMISSION_DENIED run.executions.list denied' })
  })

  it('a failed attempt is not followed', async () => {
    const mg = attemptGoogle(RUN_JOB_URL(), { runJobs: [{ name: ETL }] }, nothing, 403)
    const [r] = await settle(testRun(mg, [tracked(mg, runJobTarget())], { ...OPTIONS, timeoutMs: 20_000 }))
    expect(r).toMatchObject({ httpStatus: 403, passed: false })
    expect(r.execution).toBeUndefined()
    expect(mg.callsTo('run.listExecutions')).toEqual([])
  })
})

describe('testRun: following a workflow execution (await_execution)', () => {
  useFakeClock()
  const wfExecution = (id: string, started: number): WorkflowExecution => ({ name: WF_EXEC(id), state: 'ACTIVE', startTime: stamp(started) })

  async function runWorkflow(end: 'SUCCEEDED' | 'FAILED' | undefined, timeoutMs: number, earlier: WorkflowExecution[] = []) {
    const g = attemptGoogle(WF_URL(), { workflows: [{ name: NIGHTLY }], workflowExecutions: earlier }, (at, later, mg) => {
      const e = wfExecution('7c0ffee0', at + 300)
      later(300, () => void mg.world.workflowExecutions.unshift(e))
      if (end)
        later(15_000, () =>
          Object.assign(e, {
            state: end,
            endTime: stamp(Date.parse(e.startTime!) + 12_000),
            ...(end === 'FAILED' ? { error: { payload: WF_ERROR, context: 'step "call_api"' } } : {})
          })
        )
    })
    const [r] = await settle(testRun(g, [tracked(g, workflowTarget())], { ...OPTIONS, timeoutMs }))
    return r
  }

  it('succeeded → passed, with its state and duration', async () => {
    const r = await runWorkflow('SUCCEEDED', 120_000)
    expect(r.passed).toBe(true)
    expect(r.execution).toEqual({ name: WF_EXEC('7c0ffee0'), state: 'SUCCEEDED', succeeded: true, running: false, durationMs: 12_000 })
  })

  it('failed → not passed, its error payload quoted', async () => {
    const r = await runWorkflow('FAILED', 120_000)
    expect(r.passed).toBe(false)
    expect(r.execution).toEqual({ name: WF_EXEC('7c0ffee0'), state: 'FAILED', succeeded: false, running: false, durationMs: 12_000, error: WF_ERROR })
  })

  it('still active at the deadline → running, not passed', async () => {
    const r = await runWorkflow(undefined, 10_000)
    expect(r.passed).toBe(false)
    expect(r.execution).toEqual({ name: WF_EXEC('7c0ffee0'), state: 'RUNNING', succeeded: false, running: true })
  })

  it('an execution started before the run is ignored', async () => {
    const old: WorkflowExecution = { ...wfExecution('01d', NOW.getTime() - 120_000), state: 'SUCCEEDED', endTime: stamp(NOW.getTime() - 100_000) }
    const g = attemptGoogle(WF_URL(), { workflows: [{ name: NIGHTLY }], workflowExecutions: [old] }, nothing)
    const [r] = await settle(testRun(g, [tracked(g, workflowTarget())], { ...OPTIONS, timeoutMs: 10_000 }))
    expect(r.passed).toBe(false)
    expect(r.execution).toMatchObject({ name: '', state: 'NOT_FOUND' })
  })
})

describe('the engine follows executions only with await_execution', () => {
  useFakeClock()
  async function engine(awaitExecution: string): Promise<{ o: Outcome; g: MemoryGoogle }> {
    const g = attemptGoogle(
      RUN_JOB_URL(),
      {
        runJobs: [{ name: ETL }],
        policies: {
          [policyKey('run.v2', ETL)]: iamPolicy(bind(RUN_INVOKER, M)),
          [policyKey('cloudresourcemanager.v1', PROJECT)]: healthyProject()
        }
      },
      cloudRunScript('succeeded')
    )
    const o = await settle(runEngine(settings({ await_execution: awaitExecution, timeout: '120' }), g, nullLogger))
    return { o, g }
  }

  it('await_execution: true → the attempt carries the execution, and the job is ok', async () => {
    const { o } = await engine('true')
    expect(o.result).toBe('ok')
    expect(o.jobs[0].attempt?.execution).toEqual({
      name: RUN_EXEC('etl-ok'),
      state: 'EXECUTION_SUCCEEDED',
      succeeded: true,
      running: false,
      durationMs: 28_500
    })
  })

  it('await_execution: false → no execution is read', async () => {
    const { o, g } = await engine('false')
    expect(o.result).toBe('ok')
    expect(o.jobs[0].attempt?.passed).toBe(true)
    expect(o.jobs[0].attempt?.execution).toBeUndefined()
    expect(callsTo(g, /Executions?$/)).toEqual([])
  })
})

// ---- the report -------------------------------------------------------------------------------------

describe('the report of a followed execution', () => {
  /** The outcome of a verify run of one healthy job on the Cloud Run job, with this attempt. */
  function outcomeOf(a: AttemptResult): Outcome {
    const s = settings({ await_execution: 'true' })
    const p = plan(one(runJobTarget({ policy: iamPolicy(bind(RUN_INVOKER, M)) }), schedJob('j1', RUN_JOB_URL(), { oauth: SA })), s)
    return buildOutcome(s, p, undefined, [a], undefined)
  }
  const attempt = (execution: AttemptResult['execution'], passed: boolean): AttemptResult => ({
    job: JOB('j1'),
    httpStatus: 200,
    inferred: false,
    runs: 1,
    passed,
    latencyMs: 4200,
    execution
  })
  const HEAD = `Test run: %s HTTP 200 (from the execution log), expected 200; attempt seen 4.2 s after jobs.run.`
  /** The report's first line. */
  const verdict = (o: Outcome): string => renderMarkdown(o).split('\n')[0]
  /** Google's text as the report shows it in markdown: `_` (and the like) escaped. */
  const md = (s: string): string => s.replace(/[\\`*_[\]|~]/g, c => `\\${c}`)
  const head = (icon: string): string => HEAD.replace('%s', icon)

  it('succeeded: no explanation; the line names the execution, its state and duration; outputs carry {name, state}', () => {
    const o = outcomeOf(attempt({ name: RUN_EXEC('etl-ok'), state: 'EXECUTION_SUCCEEDED', succeeded: true, running: false, durationMs: 28_500 }, true))
    const j = o.jobs[0]
    expect(j.result).toBe('ok')
    expect(j.explanation).toBeUndefined()
    const line = `${head('✅')} Execution \`${RUN_EXEC('etl-ok')}\`: ✅ EXECUTION_SUCCEEDED after 28.5 s.`
    expect(testLine(j, 200)).toBe(line)
    expect(renderMarkdown(o)).toContain(`\n${line}\n`)
    expect(JSON.parse(outputs(o).jobs)).toEqual([
      {
        job: JOB('j1'),
        target: ETL,
        audience: null,
        invoker_service_account: SA,
        findings: [],
        http_status: 200,
        execution: { name: RUN_EXEC('etl-ok'), state: 'EXECUTION_SUCCEEDED' },
        result: 'ok'
      }
    ])
    expect(outputs(o).http_status).toBe('200')
  })

  it('failed: the explanation and the line quote its error', () => {
    const x = { name: RUN_EXEC('etl-fail'), state: 'EXECUTION_FAILED', succeeded: false, running: false, durationMs: 7000, error: FAILURE }
    const o = outcomeOf(attempt(x, false))
    const j = o.jobs[0]
    const why = `the attempt was accepted (authentication passed), but the execution ${RUN_EXEC('etl-fail')} ended EXECUTION_FAILED: ${FAILURE}`
    expect(explainFailure(j.plan, j.attempt!, false)).toBe(why)
    expect(j.explanation).toBe(why)
    expect(j.result).toBe('failed')
    expect(o.result).toBe('failed')
    // The cause quoted from Google is markdown text: its underscores are escaped.
    expect(testLine(j, 200)).toBe(`${head('✅')} Execution \`${RUN_EXEC('etl-fail')}\`: ❌ EXECUTION_FAILED after 7.0 s (${FAILURE}). Cause: ${md(why)}.`)
    // The verdict: the job, and that its execution ended failed (the line below quotes why).
    const cause = `## ❌ failed: \`j1\` got HTTP 200, its execution ended EXECUTION\\_FAILED; see below`
    expect(verdict(o).slice(0, cause.length)).toBe(cause)
    expect(JSON.parse(outputs(o).jobs)[0].execution).toEqual({ name: RUN_EXEC('etl-fail'), state: 'EXECUTION_FAILED' })
  })

  it('a workflow that failed: its error payload quoted', () => {
    const x = { name: WF_EXEC('7c0ffee0'), state: 'FAILED', succeeded: false, running: false, durationMs: 12_000, error: WF_ERROR }
    const j = outcomeOf(attempt(x, false)).jobs[0]
    expect(j.explanation).toBe(`the attempt was accepted (authentication passed), but the execution ${WF_EXEC('7c0ffee0')} ended FAILED: ${WF_ERROR}`)
  })

  it('still running: the explanation says to raise the timeout or stop awaiting', () => {
    const o = outcomeOf(attempt({ name: RUN_EXEC('etl-ok'), state: 'RUNNING', succeeded: false, running: true }, false))
    const j = o.jobs[0]
    const why = `the execution ${RUN_EXEC('etl-ok')} was still running at the timeout; raise 'timeout' or set 'await_execution: false'`
    expect(j.explanation).toBe(why)
    expect(j.result).toBe('failed')
    expect(testLine(j, 200)).toBe(`${head('✅')} Execution \`${RUN_EXEC('etl-ok')}\`: ❌ still running at the timeout. Cause: ${md(why)}.`)
    const cause = `## ❌ failed: \`j1\` got HTTP 200, its execution still ran at the timeout; see below`
    expect(verdict(o).slice(0, cause.length)).toBe(cause)
    expect(JSON.parse(outputs(o).jobs)[0].execution).toEqual({ name: RUN_EXEC('etl-ok'), state: 'RUNNING' })
  })

  it.each<[string, NonNullable<AttemptResult['execution']>]>([
    [
      'none found',
      { name: '', state: 'NOT_FOUND', succeeded: false, running: false, error: 'no execution created by the attempt was found before the timeout' }
    ],
    ['executions unreadable', { name: '', state: 'UNKNOWN', succeeded: false, running: false, error: '(403) PERMISSION_DENIED run.executions.list denied' }]
  ])('%s: the line says so, and the explanation quotes why without claiming an execution ended', (_, x) => {
    const o = outcomeOf(attempt(x, false))
    const j = o.jobs[0]
    expect(j.result).toBe('failed')
    expect(testLine(j, 200)).toContain(` Execution \`none found\`: ❌ ${x.state} (${md(x.error!)}).`)
    expect(j.explanation).toContain(x.error!)
    // No execution was seen: the cause must not read as if one had run and ended, in the line or the verdict.
    expect(j.explanation).not.toMatch(/the execution it created ended/)
    expect(verdict(o)).toMatch(/^## ❌ failed: `j1` got HTTP 200, its execution could not be followed; /)
    expect(verdict(o)).not.toMatch(/execution ended/)
  })

  it('not awaited: no execution line, and no `execution` key in the outputs', () => {
    const o = outcomeOf(attempt(undefined, true))
    const j = o.jobs[0]
    expect(testLine(j, 200)).toBe(head('✅'))
    const [out] = JSON.parse(outputs(o).jobs) as Record<string, unknown>[]
    expect(Object.keys(out)).toEqual(['job', 'target', 'audience', 'invoker_service_account', 'findings', 'http_status', 'result'])
  })
})
