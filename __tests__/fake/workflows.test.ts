/**
 * Workflows as Scheduler targets and as an API: executions.create is judged on the project
 * (Workflows has no per-workflow IAM), and each execution moves ACTIVE → SUCCEEDED / FAILED on
 * the workflow's scripted timeline.
 */
import {
  binding,
  oauthJob,
  policy,
  sa,
  schedulerAgent,
  startFakeGcp,
  workflow,
  workflowExecutionsUri,
  type FakeGcp,
  type HttpJobOpts,
  type Job,
  type Scenario,
  type WorkflowSpec
} from '../../fake-gcp'
import { call, sleep } from './helpers'

const P = 'wf-proj'
const N = '616161'
const R = 'us-central1'
const INV = `inv@${P}.iam.gserviceaccount.com`
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)
const WF = `projects/${P}/locations/${R}/workflows/report`
const URI = workflowExecutionsUri(P, R, 'report')

function scenario(o: { onProject?: string[]; uri?: string; job?: HttpJobOpts; spec?: Partial<WorkflowSpec> } = {}): Scenario {
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
    workflows: [workflow(P, R, 'report', o.spec)],
    jobs: [oauthJob(P, R, 'trigger', o.uri ?? URI, INV, o.job)],
    caller: OWNER,
    settings: { attemptDelayMs: 10, logIngestionDelayMs: 0 }
  }
}

let fake: FakeGcp
afterEach(async () => fake?.close())

const executions = () => fake.state.workflows.get(WF)!.executions.map(n => fake.state.workflowExecutions.get(n)!)

async function attempt(s: Scenario): Promise<{ http: number; job: Job }> {
  fake = await startFakeGcp(s)
  expect((await call(fake, 'POST', `v1/projects/${P}/locations/${R}/jobs/trigger:run`, {})).status).toBe(200)
  await fake.idle()
  const fin = fake.logEntries().find(e => String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))!
  return { http: Number(fin.httpRequest!.status), job: fake.getJob(`projects/${P}/locations/${R}/jobs/trigger`) }
}

describe('a Scheduler job starting a workflow (OAuth)', () => {
  test.each([['roles/workflows.invoker'], ['roles/workflows.editor'], ['roles/workflows.admin'], ['roles/editor']])(
    '%s on the project → 200 and an execution exists',
    async role => {
      const { http, job } = await attempt(scenario({ onProject: [role] }))
      expect(http).toBe(200)
      expect(job.status).toEqual({})
      expect(executions()).toHaveLength(1)
    }
  )

  test.each([[[] as string[]], [['roles/workflows.viewer']], [['roles/run.invoker']]])('roles %j → 403, no execution', async roles => {
    const { http, job } = await attempt(scenario({ onProject: roles }))
    expect(http).toBe(403)
    expect(job.status?.code).toBe(7)
    expect(executions()).toHaveLength(0)
  })

  test('the body is the Execution: its argument reaches the execution; an argument that is not a JSON string → 400', async () => {
    const body = JSON.stringify({ argument: JSON.stringify({ day: 'monday' }) })
    expect((await attempt(scenario({ onProject: ['roles/workflows.invoker'], job: { body } }))).http).toBe(200)
    expect(executions()[0].argument).toBe('{"day":"monday"}')
    await fake.close()
    const bad = JSON.stringify({ argument: { day: 'monday' } })
    expect((await attempt(scenario({ onProject: ['roles/workflows.invoker'], job: { body: bad } }))).http).toBe(400)
    await fake.close()
    const unknown = JSON.stringify({ data: '{}' })
    expect((await attempt(scenario({ onProject: ['roles/workflows.invoker'], job: { body: unknown } }))).http).toBe(400)
    expect(executions()).toHaveLength(0)
  })

  test('the project number in the URI → 200', async () => {
    expect((await attempt(scenario({ onProject: ['roles/workflows.invoker'], uri: workflowExecutionsUri(N, R, 'report') }))).http).toBe(200)
  })

  test('a workflow that does not exist → 404', async () => {
    expect((await attempt(scenario({ onProject: ['roles/workflows.invoker'], uri: workflowExecutionsUri(P, R, 'nope') }))).http).toBe(404)
  })

  test('an OIDC token → 401', async () => {
    const s = scenario({ onProject: ['roles/workflows.admin'] })
    s.jobs = [{ ...s.jobs![0], httpTarget: { uri: URI, httpMethod: 'POST', oidcToken: { serviceAccountEmail: INV } } }]
    expect((await attempt(s)).http).toBe(401)
    expect(executions()).toHaveLength(0)
  })

  test('a scope other than cloud-platform → 403', async () => {
    const job = { oauth: { serviceAccountEmail: INV, scope: 'https://www.googleapis.com/auth/cloud-platform.read-only' } }
    expect((await attempt(scenario({ onProject: ['roles/workflows.admin'], job }))).http).toBe(403)
  })
})

describe('the Workflows and Workflow Executions APIs', () => {
  beforeEach(async () => {
    fake = await startFakeGcp(
      scenario({
        onProject: ['roles/workflows.invoker'],
        spec: {
          timeline: [
            { runMs: 300, result: '{"rows":42}' },
            { runMs: 0, outcome: 'FAILED', error: { payload: '{"message":"boom","tags":["RuntimeError"]}', context: 'RuntimeError: boom' } }
          ]
        }
      })
    )
  })
  const EX = `v1/${WF}/executions`

  test('create → ACTIVE, then SUCCEEDED with result, endTime and duration; names carry the project number', async () => {
    const t0 = Date.now()
    const created = await call(fake, 'POST', EX, { argument: '{"a":1}' }, fake.tokenFor(sa(INV)))
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({
      name: expect.stringMatching(new RegExp(`^projects/${N}/locations/${R}/workflows/report/executions/[0-9a-f-]{36}$`)),
      state: 'ACTIVE',
      argument: '{"a":1}',
      startTime: expect.any(String),
      workflowRevisionId: expect.stringMatching(/^000001-[0-9a-f]{3}$/),
      status: { currentSteps: [{ routine: 'main', step: expect.any(String) }] }
    })
    expect(created.body).not.toHaveProperty('endTime')
    const id = created.body.name.split('/').pop()
    await sleep(t0 + 450 - Date.now())
    const done = (await call(fake, 'GET', `${EX}/${id}`)).body
    expect(done).toMatchObject({ state: 'SUCCEEDED', result: '{"rows":42}', duration: '0.300s' })
    expect(Date.parse(done.endTime) - Date.parse(done.startTime)).toBe(300)
    expect(done).not.toHaveProperty('error')
    // the same execution through the project number
    expect((await call(fake, 'GET', `v1/projects/${N}/locations/${R}/workflows/report/executions/${id}`)).body.name).toBe(done.name)
  })

  test('the next execution FAILS with the scripted error; lists are BASIC by default, newest first, paged', async () => {
    await call(fake, 'POST', EX, {})
    const failed = (await call(fake, 'POST', EX, {})).body
    await sleep(5)
    const got = (await call(fake, 'GET', `v1/${failed.name}`)).body
    expect(got).toMatchObject({ state: 'FAILED', error: { payload: '{"message":"boom","tags":["RuntimeError"]}', context: 'RuntimeError: boom' } })
    expect(got).not.toHaveProperty('result')
    const basic = (await call(fake, 'GET', `${EX}?pageSize=1`)).body
    expect(basic.executions).toEqual([
      { name: failed.name, startTime: expect.any(String), endTime: expect.any(String), duration: '0s', state: 'FAILED', workflowRevisionId: expect.any(String) }
    ])
    expect(basic.nextPageToken).toBeDefined()
    const full = (await call(fake, 'GET', `${EX}?view=FULL`)).body
    expect(full.executions.map((e: { argument: string }) => e.argument)).toEqual(['null', 'null'])
  })

  test('workflows get and list need workflows.workflows.get / list: the invoker may start a workflow but not read it', async () => {
    const inv = fake.tokenFor(sa(INV))
    const denied = await call(fake, 'GET', `v1/${WF}`, undefined, inv)
    expect(denied.status).toBe(403)
    expect(denied.body.error.message).toBe(`Permission 'workflows.workflows.get' denied on resource '//workflows.googleapis.com/${WF}' (or it may not exist).`)
    const w = (await call(fake, 'GET', `v1/${WF}`)).body
    expect(w).toMatchObject({ name: WF, state: 'ACTIVE', serviceAccount: `projects/${P}/serviceAccounts/${N}-compute@developer.gserviceaccount.com` })
    expect((await call(fake, 'GET', `v1/projects/${P}/locations/${R}/workflows`)).body.workflows.map((x: { name: string }) => x.name)).toEqual([WF])
    expect((await call(fake, 'GET', `v1/projects/${P}/locations/${R}/workflows`, undefined, inv)).status).toBe(403)
  })
})
