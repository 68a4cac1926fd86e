/**
 * Cloud Run jobs as Scheduler targets and as an API: the attempt is judged by jobs.run's own
 * checks (OAuth token, scope, run.jobs.run / run.jobs.runWithOverrides on the job or above), and
 * each run creates an execution that moves along the job's scripted timeline.
 */
import {
  binding,
  cloudRunJob,
  legacyRunJobUri,
  oauthJob,
  policy,
  runJobUri,
  sa,
  schedulerAgent,
  startFakeGcp,
  type CloudRunJobSpec,
  type FakeGcp,
  type HttpJobOpts,
  type Job,
  type Scenario
} from '../../fake-gcp'
import { call, sleep } from './helpers'

const P = 'rj-proj'
const N = '515151'
const R = 'us-central1'
const INV = `inv@${P}.iam.gserviceaccount.com`
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)
const JOB = `projects/${P}/locations/${R}/jobs/etl`
const V2 = `v2/${JOB}`
const URI = runJobUri(P, R, 'etl')

interface Opts {
  /** roles the invoker account holds on the Cloud Run job */
  onJob?: string[]
  /** roles the invoker account holds on the project */
  onProject?: string[]
  uri?: string
  job?: HttpJobOpts
  spec?: Partial<CloudRunJobSpec>
}
function scenario(o: Opts = {}): Scenario {
  return {
    projects: [
      {
        projectId: P,
        projectNumber: N,
        iamPolicy: policy(
          binding('roles/owner', OWNER),
          binding('roles/cloudscheduler.serviceAgent', schedulerAgent(N)),
          ...(o.onProject ?? []).map(r => binding(r, sa(INV)))
        )
      }
    ],
    cloudRunJobs: [cloudRunJob(P, R, 'etl', { iamPolicy: policy(...(o.onJob ?? []).map(r => binding(r, sa(INV)))), ...o.spec })],
    jobs: [oauthJob(P, R, 'trigger', o.uri ?? URI, INV, o.job)],
    caller: OWNER,
    settings: { attemptDelayMs: 10, logIngestionDelayMs: 0 }
  }
}

let fake: FakeGcp
afterEach(async () => fake?.close())

const executions = () => fake.state.runJobs.get(JOB)!.executions.map(n => fake.state.runExecutions.get(n)!)

/** Run the Scheduler job; the attempt's HTTP status from its AttemptFinished entry, and the job after it. */
async function attempt(s: Scenario): Promise<{ http: number; job: Job }> {
  fake = await startFakeGcp(s)
  expect((await call(fake, 'POST', `v1/projects/${P}/locations/${R}/jobs/trigger:run`, {})).status).toBe(200)
  await fake.idle()
  const fin = fake.logEntries().find(e => String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))!
  return { http: Number(fin.httpRequest!.status), job: fake.getJob(`projects/${P}/locations/${R}/jobs/trigger`) }
}

describe('a Scheduler job running a Cloud Run job (OAuth)', () => {
  test('run.invoker on the job → 200, the attempt succeeds and an execution exists', async () => {
    const { http, job } = await attempt(scenario({ onJob: ['roles/run.invoker'] }))
    expect(http).toBe(200)
    expect(job.status).toEqual({})
    expect(executions()).toHaveLength(1)
    expect(executions()[0]).toMatchObject({ job: JOB, creator: INV, taskCount: 1 })
  })

  test('no role → 403 PERMISSION_DENIED naming run.jobs.run, and no execution', async () => {
    const { http, job } = await attempt(scenario())
    expect(http).toBe(403)
    expect(job.status?.code).toBe(7)
    expect(executions()).toHaveLength(0)
  })

  test.each([['roles/run.invoker'], ['roles/run.jobsExecutor'], ['roles/run.developer'], ['roles/editor']])(
    '%s on the project counts (inheritance)',
    async role => {
      expect((await attempt(scenario({ onProject: [role] }))).http).toBe(200)
      expect(executions()).toHaveLength(1)
    }
  )

  test.each([['roles/run.servicesInvoker'], ['roles/run.viewer'], ['roles/workflows.invoker']])('%s on the job is not enough → 403', async role => {
    expect((await attempt(scenario({ onJob: [role] }))).http).toBe(403)
  })

  describe('a body with overrides needs run.jobs.runWithOverrides', () => {
    const body = JSON.stringify({ overrides: { taskCount: 3, timeout: '120s', containerOverrides: [{ args: ['--day', 'monday'] }] } })

    test.each([['roles/run.invoker'], ['roles/run.jobsExecutor']])('%s only → 403', async role => {
      expect((await attempt(scenario({ onJob: [role], job: { body } }))).http).toBe(403)
      expect(executions()).toHaveLength(0)
    })

    test.each([['roles/run.jobsExecutorWithOverrides'], ['roles/run.developer'], ['roles/run.admin']])('%s → 200 and the overrides apply', async role => {
      expect((await attempt(scenario({ onJob: [role], job: { body } }))).http).toBe(200)
      expect(executions()[0]).toMatchObject({ taskCount: 3, timeoutSeconds: 120 })
      const e = await call(fake, 'GET', `${V2}/executions/${executions()[0].id}`)
      expect(e.body.template).toMatchObject({ timeout: '120s', containers: [{ args: ['--day', 'monday'] }] })
    })

    test('a field the v2 RunJobRequest does not have → 400, before any permission check', async () => {
      const bad = JSON.stringify({ overrides: { timeoutSeconds: 60 } }) // the v1 name
      const { http, job } = await attempt(scenario({ onJob: ['roles/run.developer'], job: { body: bad } }))
      expect(http).toBe(400)
      expect(job.status?.code).toBe(3)
    })
  })

  test('the project number in the URI (as the console’s "Add trigger" writes it) → 200', async () => {
    expect((await attempt(scenario({ onJob: ['roles/run.invoker'], uri: runJobUri(N, R, 'etl') }))).http).toBe(200)
    expect(executions()).toHaveLength(1)
  })

  test.each([
    ['project id', P],
    ['project number', N]
  ])('the legacy regional v1 URI with the %s → 200; without the role → 403', async (_, project) => {
    expect((await attempt(scenario({ onJob: ['roles/run.invoker'], uri: legacyRunJobUri(project, R, 'etl') }))).http).toBe(200)
    expect(executions()).toHaveLength(1)
    await fake.close()
    expect((await attempt(scenario({ uri: legacyRunJobUri(project, R, 'etl') }))).http).toBe(403)
  })

  test('a job of another region, or none → 404', async () => {
    expect((await attempt(scenario({ onProject: ['roles/run.invoker'], uri: runJobUri(P, 'europe-west1', 'etl') }))).http).toBe(404)
  })

  test('an OIDC token → 401; no call reaches the job', async () => {
    const s = scenario({ onJob: ['roles/run.admin'] })
    s.jobs = [{ ...s.jobs![0], httpTarget: { uri: URI, httpMethod: 'POST', oidcToken: { serviceAccountEmail: INV, audience: URI } } }]
    const { http, job } = await attempt(s)
    expect(http).toBe(401)
    expect(job.status?.code).toBe(16)
    expect(executions()).toHaveLength(0)
  })

  test('a scope other than cloud-platform → 403 (insufficient scopes); an empty scope means cloud-platform', async () => {
    const pubsub = { oauth: { serviceAccountEmail: INV, scope: 'https://www.googleapis.com/auth/pubsub' } }
    expect((await attempt(scenario({ onJob: ['roles/run.invoker'], job: pubsub }))).http).toBe(403)
    expect(executions()).toHaveLength(0)
    await fake.close()
    expect((await attempt(scenario({ onJob: ['roles/run.invoker'], job: { oauth: { serviceAccountEmail: INV, scope: '' } } }))).http).toBe(200)
  })

  test('a GET of the :run URL is no method → 404', async () => {
    expect((await attempt(scenario({ onJob: ['roles/run.invoker'], job: { httpMethod: 'GET' } }))).http).toBe(404)
  })

  test('IAM propagation delay applies to runs: a fresh grant is not yet effective', async () => {
    fake = await startFakeGcp({ ...scenario(), settings: { attemptDelayMs: 10, logIngestionDelayMs: 0, iamPropagationDelayMs: 60_000 } })
    const set = await call(fake, 'POST', `v2/${JOB}:setIamPolicy`, { policy: { bindings: [{ role: 'roles/run.invoker', members: [sa(INV)] }] } })
    expect(set.status).toBe(200)
    const token = fake.tokenFor(sa(INV))
    expect((await call(fake, 'POST', `${V2}:run`, {}, token)).status).toBe(403)
  })
})

describe('the v2 API', () => {
  beforeEach(async () => {
    fake = await startFakeGcp(
      scenario({
        onJob: ['roles/run.invoker'],
        spec: {
          timeline: [
            { pendingMs: 300, runMs: 300 },
            { pendingMs: 0, runMs: 0, outcome: 'FAILED', error: 'Task etl-abcde-task0 failed with message: The container exited with an error.' }
          ]
        }
      })
    )
  })

  test('jobs.run answers a long-running operation whose metadata is the new execution; the timeline moves PENDING → RUNNING → SUCCEEDED', async () => {
    const t0 = Date.now()
    const op = await call(fake, 'POST', `${V2}:run`, {})
    expect(op.status).toBe(200)
    expect(op.body).toMatchObject({ name: expect.stringMatching(new RegExp(`^projects/${P}/locations/${R}/operations/[0-9a-f-]{36}$`)), done: false })
    const meta = op.body.metadata
    expect(meta['@type']).toBe('type.googleapis.com/google.cloud.run.v2.Execution')
    expect(meta).toMatchObject({ name: expect.stringMatching(new RegExp(`^${JOB}/executions/etl-[a-z0-9]{5}$`)), job: 'etl', taskCount: 1, reconciling: true })
    expect(meta).not.toHaveProperty('startTime')
    const cond = (e: any, type: string) => e.conditions.find((c: any) => c.type === type).state // eslint-disable-line @typescript-eslint/no-explicit-any
    expect([cond(meta, 'ResourcesAvailable'), cond(meta, 'Started'), cond(meta, 'Completed')]).toEqual([
      'CONDITION_PENDING',
      'CONDITION_PENDING',
      'CONDITION_PENDING'
    ])
    const job = async () => (await call(fake, 'GET', V2)).body
    expect((await job()).latestCreatedExecution).toEqual({ name: meta.name, createTime: meta.createTime, completionStatus: 'EXECUTION_PENDING' })

    await sleep(t0 + 450 - Date.now())
    const running = (await call(fake, 'GET', `v2/${meta.name}`)).body
    expect(running).toMatchObject({ runningCount: 1, startTime: expect.any(String), reconciling: true })
    expect([cond(running, 'ResourcesAvailable'), cond(running, 'Started'), cond(running, 'Completed')]).toEqual([
      'CONDITION_SUCCEEDED',
      'CONDITION_SUCCEEDED',
      'CONDITION_PENDING'
    ])
    expect((await job()).latestCreatedExecution.completionStatus).toBe('EXECUTION_RUNNING')
    expect((await call(fake, 'GET', `v2/${op.body.name}`)).body).toMatchObject({ done: false })

    await sleep(t0 + 750 - Date.now())
    const done = (await call(fake, 'GET', `v2/${meta.name}`)).body
    expect(done).toMatchObject({ succeededCount: 1, completionTime: expect.any(String) })
    expect(done).not.toHaveProperty('runningCount')
    expect(done).not.toHaveProperty('reconciling')
    expect(Date.parse(done.completionTime) - Date.parse(done.startTime)).toBe(300)
    expect(done.conditions.find((c: { type: string }) => c.type === 'Completed')).toMatchObject({
      state: 'CONDITION_SUCCEEDED',
      message: expect.stringMatching(/^Execution completed successfully/)
    })
    expect((await job()).latestCreatedExecution).toMatchObject({ completionStatus: 'EXECUTION_SUCCEEDED', completionTime: done.completionTime })
    expect((await job()).executionCount).toBe(1)
    const finishedOp = (await call(fake, 'GET', `v2/${op.body.name}`)).body
    expect(finishedOp).toMatchObject({ done: true, response: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', name: meta.name } })
  })

  test('the next execution follows the next timeline: FAILED, with the error in its Completed condition', async () => {
    await call(fake, 'POST', `${V2}:run`, {})
    const op = (await call(fake, 'POST', `${V2}:run`, {})).body
    await sleep(5)
    const e = (await call(fake, 'GET', `v2/${op.metadata.name}`)).body
    expect(e).toMatchObject({ failedCount: 1, completionTime: expect.any(String) })
    expect(e.conditions.find((c: { type: string }) => c.type === 'Completed')).toMatchObject({
      state: 'CONDITION_FAILED',
      message: 'Task etl-abcde-task0 failed with message: The container exited with an error.',
      executionReason: 'NON_ZERO_EXIT_CODE'
    })
    expect((await call(fake, 'GET', V2)).body.latestCreatedExecution).toMatchObject({ name: op.metadata.name, completionStatus: 'EXECUTION_FAILED' })
    expect((await call(fake, 'GET', `v2/${op.name}`)).body).toMatchObject({ done: true, error: { message: expect.stringContaining('failed') } })
  })

  test('executions list newest first, paged; jobs list paged; the project number addresses the same job', async () => {
    for (let i = 0; i < 3; i++) await call(fake, 'POST', `${V2}:run`, {})
    const names = executions()
      .map(e => e.name)
      .reverse()
    const p1 = (await call(fake, 'GET', `${V2}/executions?pageSize=2`)).body
    expect(p1.executions.map((e: { name: string }) => e.name)).toEqual(names.slice(0, 2))
    const p2 = (await call(fake, 'GET', `${V2}/executions?pageSize=2&pageToken=${encodeURIComponent(p1.nextPageToken)}`)).body
    expect(p2.executions.map((e: { name: string }) => e.name)).toEqual(names.slice(2))
    expect(p2.nextPageToken).toBeUndefined()
    expect((await call(fake, 'GET', `v2/projects/${P}/locations/${R}/jobs`)).body.jobs.map((j: { name: string }) => j.name)).toEqual([JOB])
    expect((await call(fake, 'GET', `v2/projects/${N}/locations/${R}/jobs/etl`)).body.name).toBe(JOB)
  })

  test('IAM: getIamPolicy is GET (v1 and v2 paths), setIamPolicy keeps etags, testIamPermissions answers from grants', async () => {
    const got = await call(fake, 'GET', `v2/${JOB}:getIamPolicy?options.requestedPolicyVersion=3`)
    expect(got.body.bindings).toEqual([{ role: 'roles/run.invoker', members: [sa(INV)] }])
    expect((await call(fake, 'POST', `v2/${JOB}:getIamPolicy`, {})).status).toBe(404)
    const stale = await call(fake, 'POST', `v1/${JOB}:setIamPolicy`, { policy: { etag: 'BwAAAAAAAAA=', bindings: [] } })
    expect(stale.status).toBe(409)
    const set = await call(fake, 'POST', `v1/${JOB}:setIamPolicy`, {
      policy: { etag: got.body.etag, bindings: [...got.body.bindings, { role: 'roles/run.jobsExecutorWithOverrides', members: [sa(INV)] }] }
    })
    expect(set.status).toBe(200)
    const tested = await call(
      fake,
      'POST',
      `v2/${JOB}:testIamPermissions`,
      { permissions: ['run.jobs.run', 'run.jobs.runWithOverrides', 'run.jobs.setIamPolicy'] },
      fake.tokenFor(sa(INV))
    )
    expect(tested.body).toEqual({ permissions: ['run.jobs.run', 'run.jobs.runWithOverrides'] })
  })

  test('a missing job: 404 for a caller with rights, 403 for one without (no existence leak)', async () => {
    const missing = `v2/projects/${P}/locations/${R}/jobs/nope`
    expect(await call(fake, 'GET', missing)).toMatchObject({
      status: 404,
      body: { error: { message: `Resource 'nope' of kind 'JOB' in region '${R}' in project '${P}' does not exist.` } }
    })
    const outsider = fake.tokenFor(sa(`nobody@${P}.iam.gserviceaccount.com`))
    expect((await call(fake, 'GET', missing, undefined, outsider)).status).toBe(403)
    expect((await call(fake, 'POST', `${missing}:run`, {}, outsider)).body.error.message).toBe(
      `Permission 'run.jobs.run' denied on resource 'projects/${P}/locations/${R}/jobs/nope' (or it may not exist).`
    )
    expect((await call(fake, 'GET', V2, undefined, fake.tokenFor(sa(INV)))).status).toBe(403) // the invoker may run, not read
  })
})
