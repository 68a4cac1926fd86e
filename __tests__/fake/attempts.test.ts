/** The target rules behind each 401/403, the job status and the executions log. */
import {
  binding,
  gen1Function,
  gen2Function,
  httpJob,
  policy,
  runService,
  sa,
  schedulerAgent,
  startFakeGcp,
  type FakeGcp,
  type HttpJobOpts,
  type Scenario
} from '../../fake-gcp'
import { call, sleep } from './helpers'

const P = 'att-proj'
const N = '999'
const R = 'us-central1'
const INV = `inv@${P}.iam.gserviceaccount.com`
const G1 = `https://${R}-${P}.cloudfunctions.net/g1`
const G2 = `https://${R}-${P}.cloudfunctions.net/g2`
const SVC = `projects/${P}/locations/${R}/services/svc`
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)

function scenario(
  uri: string,
  job: HttpJobOpts,
  extra: Partial<Scenario> = {},
  projectBindings = [binding('roles/cloudscheduler.serviceAgent', schedulerAgent(N))]
): Scenario {
  return {
    projects: [{ projectId: P, projectNumber: N, iamPolicy: policy(binding('roles/owner', OWNER), ...projectBindings) }],
    functions: [
      gen1Function(P, R, 'g1', { iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(INV))) }),
      gen2Function(P, R, 'g2', { iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(INV))) })
    ],
    services: [
      runService(P, R, 'svc', {
        urls: ['https://svc-abcdefghij-uc.a.run.app', `https://svc-${N}.${R}.run.app`],
        iamPolicy: policy(binding('roles/run.invoker', sa(INV)))
      })
    ],
    jobs: [httpJob(P, R, 'j', uri, job)],
    caller: OWNER,
    settings: { attemptDelayMs: 10, logIngestionDelayMs: 0 },
    ...extra
  }
}

let fake: FakeGcp
afterEach(async () => {
  await fake?.close()
  fake = undefined as unknown as FakeGcp
})

/** Run the job and return the attempt's HTTP status from the AttemptFinished entry. */
async function attempt(s: Scenario): Promise<{ http: number; code?: number }> {
  if (fake?.state.scenario !== s) {
    await fake?.close()
    fake = await startFakeGcp(s)
  }
  const r = await call(fake, 'POST', `v1/projects/${P}/locations/${R}/jobs/j:run`, {})
  expect(r.status).toBe(200)
  await fake.idle()
  const fin = fake
    .logEntries()
    .filter(e => String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))
    .at(-1)!
  return { http: Number(fin.httpRequest!.status), code: fake.getJob(`projects/${P}/locations/${R}/jobs/j`).status?.code }
}
const oidc = (audience?: string) => ({ oidc: { serviceAccountEmail: INV, ...(audience !== undefined ? { audience } : {}) } })

test.each([
  ['gen 1: token with the function URL as audience, invoker on the function', G1, oidc(G1), 200],
  ['gen 1: audience is not the function URL', G1, oidc('https://example.com'), 401],
  ['gen 1: no token configured', G1, {}, 403],
  ['gen 1: OAuth access token instead of an ID token', G1, { oauth: { serviceAccountEmail: INV } }, 401],
  ['gen 2: cloudfunctions.invoker on the function is not enough', G2, oidc(G2), 403],
  ['service: audience = a service URL origin', 'https://svc-abcdefghij-uc.a.run.app/task?x=1', oidc('https://svc-abcdefghij-uc.a.run.app'), 200],
  ['service: the other (deterministic) URL also works', `https://svc-${N}.${R}.run.app/`, oidc(`https://svc-${N}.${R}.run.app`), 200],
  ['service: empty audience means the full URI, path included → mismatch', 'https://svc-abcdefghij-uc.a.run.app/task?x=1', oidc(''), 401],
  ['unknown host: the internet answers 404', 'https://example.com/hook', oidc(''), 404]
])('%s', async (_title, uri, job, status) => {
  expect((await attempt(scenario(uri as string, job as HttpJobOpts))).http).toBe(status)
})

test('job status codes follow the attempt (401→16, 403→7, 404→5, 500→13); coarse mode says UNKNOWN', async () => {
  expect((await attempt(scenario(G1, oidc('bad')))).code).toBe(16)
  expect((await attempt(scenario(G1, {}))).code).toBe(7)
  expect((await attempt(scenario('https://example.com/', oidc()))).code).toBe(5)
  const failing = scenario(G1, oidc(G1))
  failing.functions![0].response = { status: 500 }
  expect(await attempt(failing)).toEqual({ http: 500, code: 13 })
  expect((await attempt(scenario(G1, {}, { settings: { attemptDelayMs: 10, logIngestionDelayMs: 0, coarseStatus: true } }))).code).toBe(2)
  const ok = await attempt(scenario(G1, oidc(G1)))
  expect(ok).toEqual({ http: 200, code: undefined })
  expect(fake.getJob(`projects/${P}/locations/${R}/jobs/j`).status).toEqual({})
})

test('no token is minted when the Scheduler service agent lacks its role → 403', async () => {
  expect((await attempt(scenario(G1, oidc(G1), {}, []))).http).toBe(403)
})

test('gen 2: run.invoker on the Cloud Run service, or on the project (inherited), makes it invocable', async () => {
  const s = scenario(G2, oidc(''))
  s.services!.push(runService(P, R, 'g2', { iamPolicy: policy(binding('roles/run.invoker', sa(INV))) }))
  expect((await attempt(s)).http).toBe(200) // the cloudfunctions.net URL is an accepted audience for gen 2
  expect(
    (await attempt(scenario(G2, oidc(G2), {}, [binding('roles/cloudscheduler.serviceAgent', schedulerAgent(N)), binding('roles/run.invoker', sa(INV))]))).http
  ).toBe(200)
})

test('public targets and ingress', async () => {
  const pub = scenario(SVC && 'https://svc-abcdefghij-uc.a.run.app', {})
  pub.services![0].iamPolicy = policy(binding('roles/run.invoker', 'allUsers'))
  expect((await attempt(pub)).http).toBe(200)
  const off = scenario('https://svc-abcdefghij-uc.a.run.app', {})
  off.services![0].invokerIamDisabled = true
  expect((await attempt(off)).http).toBe(200)
})

test("internal ingress admits Scheduler from the target's own project only; NONE admits nothing", async () => {
  // Same project: Google's ingress pages list Cloud Scheduler among the internal sources.
  const internal = scenario('https://svc-abcdefghij-uc.a.run.app', oidc('https://svc-abcdefghij-uc.a.run.app'))
  internal.services![0].ingress = 'INGRESS_TRAFFIC_INTERNAL_ONLY'
  expect((await attempt(internal)).http).toBe(200)
  const g1internal = scenario(G1, oidc(G1))
  g1internal.functions![0].ingressSettings = 'ALLOW_INTERNAL_ONLY'
  expect((await attempt(g1internal)).http).toBe(200)
  // A job in another project: a function answers 404, Cloud Run 403.
  const OTHER = 'other-att-proj'
  const crossUrl = `https://${R}-${OTHER}.cloudfunctions.net/g1`
  const cross = scenario(crossUrl, oidc(crossUrl))
  cross.projects.push({ projectId: OTHER, projectNumber: '998', iamPolicy: policy(binding('roles/owner', OWNER)) })
  cross.functions!.push(
    gen1Function(OTHER, R, 'g1', { ingressSettings: 'ALLOW_INTERNAL_ONLY', iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(INV))) })
  )
  expect((await attempt(cross)).http).toBe(404)
  const none = scenario('https://svc-abcdefghij-uc.a.run.app', oidc('https://svc-abcdefghij-uc.a.run.app'))
  none.services![0].ingress = 'INGRESS_TRAFFIC_NONE'
  expect((await attempt(none)).http).toBe(403)
})

test('IAM propagation: a fresh grant counts for invocations only after the delay', async () => {
  const s = scenario('https://svc-abcdefghij-uc.a.run.app', oidc('https://svc-abcdefghij-uc.a.run.app'), {
    settings: { attemptDelayMs: 10, logIngestionDelayMs: 0, iamPropagationDelayMs: 400 }
  })
  s.services![0].iamPolicy = undefined
  expect((await attempt(s)).http).toBe(403)
  const res = await call(fake, 'POST', `v2/${SVC}:setIamPolicy`, { policy: policy(binding('roles/run.invoker', sa(INV))) })
  expect(res.status).toBe(200)
  expect((await attempt(s)).http).toBe(403) // not yet propagated
  await sleep(450)
  expect((await attempt(s)).http).toBe(200)
})

test('log entries: shape, and visible to entries:list only after the ingestion delay', async () => {
  const s = scenario(G1, oidc('wrong'), { settings: { attemptDelayMs: 10, logIngestionDelayMs: 300 } })
  await attempt(s)
  const [started, finished] = fake.logEntries()
  expect(started).toMatchObject({
    logName: `projects/${P}/logs/cloudscheduler.googleapis.com%2Fexecutions`,
    resource: { type: 'cloud_scheduler_job', labels: { job_id: 'j', location: R, project_id: P } },
    severity: 'INFO',
    jsonPayload: { '@type': 'type.googleapis.com/google.cloud.scheduler.logging.AttemptStarted', targetType: 'HTTP', url: G1 }
  })
  expect(finished).toMatchObject({
    severity: 'ERROR',
    httpRequest: { status: 401 },
    jsonPayload: { status: 'UNAUTHENTICATED', debugInfo: 'URL_ERROR-ERROR_AUTHENTICATION. Original HTTP response code number = 401' }
  })
  const list = () =>
    call(fake, 'POST', 'v2/entries:list', { resourceNames: [`projects/${P}`], filter: 'resource.type="cloud_scheduler_job"', orderBy: 'timestamp desc' })
  expect((await list()).body).toEqual({})
  await sleep(350)
  expect((await list()).body.entries.map((e: { insertId: string }) => e.insertId)).toEqual([finished.insertId, started.insertId])
})

test('logEmptyPages: entries:list answers empty pages with a nextPageToken before the results, as Logging may', async () => {
  const s = scenario(G1, oidc(G1), { settings: { attemptDelayMs: 10, logIngestionDelayMs: 0, logEmptyPages: 2 } })
  await attempt(s)
  const body = { resourceNames: [`projects/${P}`], filter: 'resource.type="cloud_scheduler_job"', orderBy: 'timestamp desc' }
  const first = await call(fake, 'POST', 'v2/entries:list', body)
  expect(first.body.entries).toBeUndefined()
  const second = await call(fake, 'POST', 'v2/entries:list', { ...body, pageToken: first.body.nextPageToken })
  expect(second.body.entries).toBeUndefined()
  const third = await call(fake, 'POST', 'v2/entries:list', { ...body, pageToken: second.body.nextPageToken })
  expect(third.body.entries).toHaveLength(2)
  expect(third.body.nextPageToken).toBeUndefined()
  expect((await call(fake, 'POST', 'v2/entries:list', { ...body, pageToken: 'bm90LWEtdG9rZW4=' })).status).toBe(400)
})
