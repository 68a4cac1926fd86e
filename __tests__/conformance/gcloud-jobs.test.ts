/* eslint-disable @typescript-eslint/no-explicit-any -- log entries and resources as gcloud prints them */
/**
 * Fidelity proof for Cloud Run jobs and Workflows as Scheduler targets: the real gcloud runs the
 * commands of the manual fix against the stand-in, accepts every answer, and leaves the state
 * Google would have.
 */
import { jest } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  binding,
  cloudRunJob,
  deployerProject,
  httpJob,
  oauthJob,
  policy,
  runJobUri,
  sa,
  startFakeGcp,
  workflow,
  workflowExecutionsUri,
  type FakeGcp,
  type Scenario
} from '../../fake-gcp'
import { gcloud, requireGcloud } from './gcloud-helpers'

jest.setTimeout(120_000)

const P = 'conf-jobs'
const N = '222233334444'
const R = 'us-central1'
const DEPLOYER = `deployer@${P}.iam.gserviceaccount.com`
const INVOKER = `invoker@${P}.iam.gserviceaccount.com`
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'
const ETL = `projects/${P}/locations/${R}/jobs/etl`
const WF = `projects/${P}/locations/${R}/workflows/report`
const jobName = (id: string): string => `projects/${P}/locations/${R}/jobs/${id}`

function scenario(): Scenario {
  return {
    projects: [deployerProject(P, N, sa(DEPLOYER), binding('roles/workflows.admin', sa(DEPLOYER)))],
    cloudRunJobs: [
      cloudRunJob(P, R, 'etl', { timeline: { pendingMs: 200, runMs: 400 } }),
      cloudRunJob(P, R, 'broken', { timeline: { pendingMs: 50, runMs: 100, outcome: 'FAILED', error: 'Task broken-task0 failed with message: exit 3.' } })
    ],
    workflows: [workflow(P, R, 'report', { timeline: { runMs: 300, result: '{"rows":42}' } })],
    jobs: [
      // the classic mistake: an OIDC token on a job that calls a Google API
      httpJob(P, R, 'etl-nightly', runJobUri(N, R, 'etl'), { oidc: { serviceAccountEmail: INVOKER, audience: runJobUri(N, R, 'etl') } }),
      oauthJob(P, R, 'report-nightly', workflowExecutionsUri(P, R, 'report'), INVOKER)
    ],
    serviceAccounts: [{ email: DEPLOYER }, { email: INVOKER, iamPolicy: policy(binding('roles/iam.serviceAccountUser', sa(DEPLOYER))) }],
    caller: sa(DEPLOYER),
    settings: { attemptDelayMs: 50, logIngestionDelayMs: 300 }
  }
}

let fake: FakeGcp
let env: Record<string, string>

beforeAll(() => requireGcloud())
beforeEach(async () => {
  fake = await startFakeGcp(scenario())
  env = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-jobs-')))
})
afterEach(async () => fake.close())

const reg = ['--region', R]
const loc = ['--location', R]
const member = `serviceAccount:${INVOKER}`
const sent = (method: string, re: RegExp) => fake.requests.filter(r => r.method === method && re.test(r.path))
const executionsOf = (job: string) => fake.state.runJobs.get(job)!.executions.map(n => fake.state.runExecutions.get(n)!)

describe('gcloud run jobs', () => {
  test('describe reads the job from the regional v1 surface', async () => {
    const d = await gcloud(env, ['run', 'jobs', 'describe', 'etl', ...reg])
    expect(d.json).toMatchObject({
      apiVersion: 'run.googleapis.com/v1',
      kind: 'Job',
      metadata: { name: 'etl', namespace: N, labels: { 'cloud.googleapis.com/location': R } },
      spec: { template: { spec: { taskCount: 1 } } }
    })
    expect(sent('GET', /^\/apis\/run\.googleapis\.com\/v1\/namespaces\/conf-jobs\/jobs\/etl$/)).toHaveLength(1)
  })

  test('execute (without --wait) creates an execution and returns once it started', async () => {
    const r = await gcloud(env, ['run', 'jobs', 'execute', 'etl', ...reg])
    const [e] = executionsOf(ETL)
    expect(r.json).toMatchObject({ kind: 'Execution', metadata: { name: e.id, labels: { 'run.googleapis.com/job': 'etl' } } })
    expect(r.json.status.conditions.find((c: any) => c.type === 'Started').status).toBe('True')
    expect(sent('POST', /^\/apis\/run\.googleapis\.com\/v1\/namespaces\/conf-jobs\/jobs\/etl:run$/)).toHaveLength(1)
    // gcloud polls the execution by the namespace the run answered with: the project number
    expect(sent('GET', new RegExp(`^/apis/run\\.googleapis\\.com/v1/namespaces/${N}/executions/${e.id}$`)).length).toBeGreaterThan(0)
  })

  test('execute --wait follows the execution to its end; a failing execution makes gcloud fail', async () => {
    const ok = await gcloud(env, ['run', 'jobs', 'execute', 'etl', ...reg, '--wait'])
    expect(ok.json.status).toMatchObject({ succeededCount: 1, completionTime: expect.any(String) })
    expect(ok.json.status.conditions.find((c: any) => c.type === 'Completed').status).toBe('True')
    const err = (await gcloud(env, ['run', 'jobs', 'execute', 'broken', ...reg, '--wait']).catch((e: unknown) => e)) as { stderr: string }
    expect(err.stderr).toMatch(/The execution failed/)
    expect(executionsOf(`projects/${P}/locations/${R}/jobs/broken`)).toHaveLength(1)
  })

  test('execute with overrides (--tasks) needs run.jobs.runWithOverrides on top of run.jobs.run', async () => {
    const bind = (role: string) => gcloud(env, ['run', 'jobs', 'add-iam-policy-binding', 'etl', ...reg, '--member', member, '--role', role])
    await bind('roles/run.invoker')
    const inv = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-jobs-')), { member })
    await gcloud(inv, ['run', 'jobs', 'execute', 'etl', ...reg, '--async'])
    const withTasks = ['run', 'jobs', 'execute', 'etl', ...reg, '--tasks', '2', '--async']
    // gcloud reads the job first to validate the overrides: the invoker cannot even read it
    const noRead = (await gcloud(inv, withTasks).catch((e: unknown) => e)) as { stderr: string }
    expect(noRead.stderr).toMatch(/Permission 'run\.jobs\.get' denied/)
    await bind('roles/run.viewer')
    const noOverride = (await gcloud(inv, withTasks).catch((e: unknown) => e)) as { stderr: string }
    expect(noOverride.stderr).toMatch(/Permission 'run\.jobs\.runWithOverrides' denied/)
    expect(sent('POST', /jobs\/etl:run$/).map(r => r.body)).toEqual([{}, { overrides: { taskCount: 2 } }])
    await bind('roles/run.jobsExecutorWithOverrides')
    await gcloud(inv, withTasks)
    expect(executionsOf(ETL).map(e => e.taskCount)).toEqual([1, 2])
  })

  test('add-iam-policy-binding writes roles/run.invoker on the job', async () => {
    await gcloud(env, ['run', 'jobs', 'add-iam-policy-binding', 'etl', ...reg, '--member', member, '--role', 'roles/run.invoker'])
    expect(fake.getPolicy(ETL).bindings).toEqual([{ role: 'roles/run.invoker', members: [member] }])
    expect(sent('GET', /jobs\/etl:getIamPolicy$/)).toHaveLength(1)
    expect(sent('POST', /jobs\/etl:setIamPolicy$/)).toHaveLength(1)
  })

  test('executions describe shows the execution as it moves', async () => {
    await gcloud(env, ['run', 'jobs', 'execute', 'etl', ...reg, '--async'])
    const [e] = executionsOf(ETL)
    const d = await gcloud(env, ['run', 'jobs', 'executions', 'describe', e.id, ...reg])
    expect(d.json).toMatchObject({ kind: 'Execution', metadata: { name: e.id }, spec: { taskCount: 1 } })
    await new Promise(res => setTimeout(res, e.createdAt + 700 - Date.now()))
    const later = await gcloud(env, ['run', 'jobs', 'executions', 'describe', e.id, ...reg])
    expect(later.json.status).toMatchObject({ succeededCount: 1 })
    const job = await gcloud(env, ['run', 'jobs', 'describe', 'etl', ...reg])
    expect(job.json.status.latestCreatedExecution).toMatchObject({ name: e.id, completionStatus: 'EXECUTION_SUCCEEDED' })
  })
})

describe('gcloud workflows', () => {
  test('describe reads the workflow', async () => {
    const d = await gcloud(env, ['workflows', 'describe', 'report', ...loc])
    expect(d.json).toMatchObject({ name: WF, state: 'ACTIVE' })
  })

  test('run starts an execution and waits for it; executions describe reads it back', async () => {
    const r = await gcloud(env, ['workflows', 'run', 'report', ...loc, '--data', '{"day":"monday"}'])
    expect(r.json).toMatchObject({ state: 'SUCCEEDED', result: '{"rows":42}', argument: '{"day":"monday"}' })
    expect(sent('POST', /^\/v1\/projects\/conf-jobs\/locations\/us-central1\/workflows\/report\/executions$/)).toHaveLength(1)
    const id = r.json.name.split('/').pop()
    const d = await gcloud(env, ['workflows', 'executions', 'describe', id, '--workflow', 'report', ...loc])
    expect(d.json).toMatchObject({ name: r.json.name, state: 'SUCCEEDED' })
  })
})

describe('gcloud scheduler jobs update http with an OAuth token', () => {
  test('--oauth-service-account-email and --oauth-token-scope: the mask names the OAuth fields, and the OIDC token goes (a oneof)', async () => {
    const before = fake.getJob(jobName('etl-nightly'))
    await gcloud(env, [
      'scheduler',
      'jobs',
      'update',
      'http',
      'etl-nightly',
      ...loc,
      '--oauth-service-account-email',
      INVOKER,
      '--oauth-token-scope',
      CLOUD_PLATFORM
    ])
    const [patch] = sent('PATCH', /\/jobs\/etl-nightly$/)
    expect(new URLSearchParams(patch.query).get('updateMask')!.split(',').sort()).toEqual([
      'httpTarget.oauthToken.scope',
      'httpTarget.oauthToken.serviceAccountEmail'
    ])
    const after = fake.getJob(jobName('etl-nightly'))
    expect(after.httpTarget).toEqual({ ...before.httpTarget, oidcToken: undefined, oauthToken: { serviceAccountEmail: INVOKER, scope: CLOUD_PLATFORM } })
    expect(after.httpTarget).not.toHaveProperty('oidcToken')
  })
})

/** gcloud logging read until `pred` holds (ingestion delay). */
async function readLog(filter: string, pred: (entries: any[]) => boolean): Promise<any[]> {
  for (let i = 0; i < 20; i++) {
    const r = await gcloud(env, ['logging', 'read', filter, '--limit', '10'])
    if (pred(r.json)) return r.json
    await new Promise(res => setTimeout(res, 300))
  }
  throw new Error(`log never showed what was expected for ${filter}`)
}

describe('the classic manual fix for a scheduled Cloud Run job', () => {
  test('OIDC → 401; add-iam-policy-binding run.invoker + update http --oauth-service-account-email → run → 200 and an execution', async () => {
    const job = 'etl-nightly'
    const finished = (status: number) => (e: any[]) => e.some(x => /AttemptFinished$/.test(x.jsonPayload?.['@type']) && x.httpRequest?.status === status)
    const filter = `resource.type="cloud_scheduler_job" AND resource.labels.job_id="${job}" AND jsonPayload.@type="type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished"`

    await gcloud(env, ['scheduler', 'jobs', 'run', job, ...loc])
    await fake.idle()
    await readLog(filter, finished(401)) // an ID token is no access token
    expect(fake.getJob(jobName(job)).status?.code).toBe(16)
    expect(executionsOf(ETL)).toHaveLength(0)

    await Promise.all([
      gcloud(env, ['run', 'jobs', 'add-iam-policy-binding', 'etl', ...reg, '--member', member, '--role', 'roles/run.invoker']),
      gcloud(env, ['scheduler', 'jobs', 'update', 'http', job, ...loc, '--oauth-service-account-email', INVOKER, '--oauth-token-scope', CLOUD_PLATFORM])
    ])
    await gcloud(env, ['scheduler', 'jobs', 'run', job, ...loc])
    await fake.idle()
    expect(fake.getJob(jobName(job)).status).toEqual({})
    const entries = await readLog(filter, finished(200))
    expect(entries[0]).toMatchObject({ severity: 'INFO', httpRequest: { status: 200 } })
    const [e] = executionsOf(ETL)
    expect(e).toMatchObject({ creator: INVOKER })
    const d = await gcloud(env, ['run', 'jobs', 'executions', 'describe', e.id, ...reg])
    expect(d.json.metadata.labels['run.googleapis.com/job']).toBe('etl')
  })

  test('a workflow: the invoker without roles/workflows.invoker gets 403; granted on the project → 200', async () => {
    const job = 'report-nightly'
    await gcloud(env, ['scheduler', 'jobs', 'run', job, ...loc])
    await fake.idle()
    expect(fake.getJob(jobName(job)).status?.code).toBe(7)
    await gcloud(env, ['projects', 'add-iam-policy-binding', P, '--member', member, '--role', 'roles/workflows.invoker', '--condition', 'None'])
    await gcloud(env, ['scheduler', 'jobs', 'run', job, ...loc])
    await fake.idle()
    expect(fake.getJob(jobName(job)).status).toEqual({})
    expect(fake.state.workflows.get(WF)!.executions).toHaveLength(1)
  })
})
