/* eslint-disable @typescript-eslint/no-explicit-any -- log entries and bodies are asserted field by field */
/**
 * What the deep diagnosis relies on: disabled and recreated service accounts, deleted principals,
 * Scheduler's rules for a job's token account, defaultUriDisabled, IAP and domain mappings.
 */
import {
  binding,
  cloudRunJob,
  httpJob,
  oauthJob,
  policy,
  runJobUri,
  runService,
  sa,
  schedulerAgent,
  startFakeGcp,
  type FakeGcp,
  type HttpJobOpts,
  type Scenario
} from '../../fake-gcp'
import { call } from './helpers'

const P = 'diag-proj'
const N = '424242'
const OTHER = 'other-proj'
const R = 'us-central1'
const INV = `inv@${P}.iam.gserviceaccount.com`
const FOREIGN = `far@${OTHER}.iam.gserviceaccount.com`
const AGENT = `service-${N}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`
const IAP_AGENT = `service-${N}@gcp-sa-iap.iam.gserviceaccount.com`
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)
const SVC_URL = 'https://svc-abcdefghij-uc.a.run.app'
const SVC = `projects/${P}/locations/${R}/services/svc`
const JOB = `projects/${P}/locations/${R}/jobs/j`

function scenario(uri: string, job: HttpJobOpts, extra: Partial<Scenario> = {}, svcOpts: Parameters<typeof runService>[3] = {}): Scenario {
  return {
    projects: [
      {
        projectId: P,
        projectNumber: N,
        iamPolicy: policy(binding('roles/owner', OWNER), binding('roles/cloudscheduler.serviceAgent', schedulerAgent(N)))
      },
      { projectId: OTHER, projectNumber: '777', iamPolicy: policy(binding('roles/owner', OWNER)) }
    ],
    services: [runService(P, R, 'svc', { urls: [SVC_URL], iamPolicy: policy(binding('roles/run.invoker', sa(INV))), ...svcOpts })],
    jobs: [httpJob(P, R, 'j', uri, job)],
    serviceAccounts: [{ email: INV }, { email: `owner@${P}.iam.gserviceaccount.com` }, { email: FOREIGN }],
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

/** Run the job; the AttemptFinished entry and the job's status. */
async function attempt(s: Scenario): Promise<{ http?: number; finished: any; code?: number }> {
  fake = await startFakeGcp(s)
  expect((await call(fake, 'POST', `v1/${JOB}:run`, {})).status).toBe(200)
  await fake.idle()
  const finished = fake
    .logEntries()
    .filter(e => String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))
    .at(-1)!
  return { http: finished.httpRequest?.status as number | undefined, finished, code: fake.getJob(JOB).status?.code }
}
const oidc = (audience = SVC_URL, email = INV): HttpJobOpts => ({ oidc: { serviceAccountEmail: email, audience } })

describe('service accounts', () => {
  test('get shows disabled only when set; disable and enable flip it (Empty back), with their permissions', async () => {
    fake = await startFakeGcp(scenario(SVC_URL, oidc(), { serviceAccounts: [{ email: INV, disabled: true, uniqueId: '123456789012345678901' }] }))
    const path = `v1/projects/${P}/serviceAccounts/${INV}`
    let r = await call(fake, 'GET', path)
    expect(r.body).toMatchObject({ email: INV, disabled: true, uniqueId: '123456789012345678901' })
    expect((await call(fake, 'POST', `${path}:enable`, {})).body).toEqual({})
    r = await call(fake, 'GET', path)
    expect(r.body.disabled).toBeUndefined()
    expect((await call(fake, 'POST', `${path}:disable`, {})).status).toBe(200)
    expect((await call(fake, 'GET', path)).body.disabled).toBe(true)
    // a viewer may read the account but not disable it
    const ops = 'user:ops@example.com'
    const viewer = fake.tokenFor(ops)
    fake.state.policies.addBinding(`projects/${P}`, 'roles/iam.securityReviewer', ops)
    r = await call(fake, 'POST', `${path}:enable`, {}, viewer)
    expect(r.status).toBe(403)
    expect(r.body.error.message).toContain('iam.serviceAccounts.enable')
    // roles/iam.serviceAccountAdmin grants it
    fake.state.policies.addBinding(`projects/${P}`, 'roles/iam.serviceAccountAdmin', ops)
    expect((await call(fake, 'POST', `${path}:enable`, {}, viewer)).status).toBe(200)
  })

  test('IAM Credentials refuses to mint for a disabled account (400 FAILED_PRECONDITION)', async () => {
    fake = await startFakeGcp(scenario(SVC_URL, oidc(), { serviceAccounts: [{ email: INV, disabled: true }] }))
    const at = await call(fake, 'POST', `v1/projects/-/serviceAccounts/${INV}:generateAccessToken`, {
      scope: ['https://www.googleapis.com/auth/cloud-platform']
    })
    expect(at.status).toBe(400)
    expect(at.body.error.status).toBe('FAILED_PRECONDITION')
    const id = await call(fake, 'POST', `v1/projects/-/serviceAccounts/${INV}:generateIdToken`, { audience: SVC_URL })
    expect(id.status).toBe(400)
  })

  test("a disabled account's OIDC attempt fails before any request: no httpRequest, PERMISSION_DENIED", async () => {
    const a = await attempt(scenario(SVC_URL, oidc(), { serviceAccounts: [{ email: INV, disabled: true }] }))
    expect(a.http).toBeUndefined()
    expect(a.finished.severity).toBe('ERROR')
    expect(a.finished.jsonPayload.status).toBe('PERMISSION_DENIED')
    expect(a.finished.jsonPayload.debugInfo).toContain('disabled')
    expect(a.code).toBe(7)
  })

  test("a disabled account's OAuth attempt to a Google API sends nothing to the API", async () => {
    const s = scenario(runJobUri(P, R, 'rj'), {}, { serviceAccounts: [{ email: INV, disabled: true }], cloudRunJobs: [cloudRunJob(P, R, 'rj')] })
    s.jobs = [oauthJob(P, R, 'j', runJobUri(P, R, 'rj'), INV)]
    s.projects[0].iamPolicy!.bindings!.push(binding('roles/run.invoker', sa(INV)))
    const executions = (): number => fake.state.runJobs.get(`projects/${P}/locations/${R}/jobs/rj`)!.executions.length
    const a = await attempt(s)
    expect(a.http).toBeUndefined()
    expect(executions()).toBe(0)
    // enabled again, the same job reaches the API and starts an execution
    fake.state.serviceAccount(INV)!.disabled = false
    expect((await call(fake, 'POST', `v1/${JOB}:run`, {})).status).toBe(200)
    await fake.idle()
    expect(executions()).toBe(1)
  })

  test('a deleted member grants nothing to the live account of the same email; setIamPolicy keeps it as written', async () => {
    const deleted = `deleted:serviceAccount:${INV}?uid=111111111111111111111`
    const a = await attempt(
      scenario(
        SVC_URL,
        oidc(),
        { serviceAccounts: [{ email: INV, uniqueId: '222222222222222222222' }] },
        { iamPolicy: policy(binding('roles/run.invoker', deleted)) }
      )
    )
    expect(a.http).toBe(403) // the recreated account (new uid) is not the deleted one
    expect(fake.state.can(fake.state.identity(sa(INV)), SVC, 'run.routes.invoke')).toBe(false)
    // written back with the deleted member: kept verbatim, still granting nothing
    const got = await call(fake, 'GET', `v2/${SVC}:getIamPolicy`)
    const set = await call(fake, 'POST', `v2/${SVC}:setIamPolicy`, {
      policy: { ...got.body, bindings: [...got.body.bindings, binding('roles/run.viewer', deleted)] }
    })
    expect(set.status).toBe(200)
    const members = set.body.bindings.flatMap((b: { members: string[] }) => b.members)
    expect(members.filter((m: string) => m === deleted)).toHaveLength(2)
    expect(fake.state.can(fake.state.identity(sa(INV)), SVC, 'run.services.get')).toBe(false)
  })
})

describe("Scheduler's rules for the token account", () => {
  const patchOidc = (email: string): Promise<{ status: number; body: any }> =>
    call(fake, 'PATCH', `v1/${JOB}?updateMask=httpTarget.oidcToken.serviceAccountEmail`, { httpTarget: { oidcToken: { serviceAccountEmail: email } } })
  const create = (id: string, email: string): Promise<{ status: number; body: any }> =>
    call(fake, 'POST', `v1/projects/${P}/locations/${R}/jobs`, {
      name: `projects/${P}/locations/${R}/jobs/${id}`,
      schedule: '0 1 * * *',
      timeZone: 'Etc/UTC',
      httpTarget: { uri: SVC_URL, oidcToken: { serviceAccountEmail: email, audience: SVC_URL } }
    })

  test.each([
    ['an account of another project', FOREIGN, 400, 'must be within the same project as the job'],
    ['the Cloud Scheduler service agent', AGENT, 400, 'Cloud Scheduler service agent'],
    ['an account that does not exist', `ghost@${P}.iam.gserviceaccount.com`, 403, 'iam.serviceAccounts.actAs']
  ])('patch and create refuse %s', async (_t, email, status, text) => {
    fake = await startFakeGcp(scenario(SVC_URL, oidc()))
    const before = fake.getJob(JOB)
    for (const r of [await patchOidc(email), await create('new-job', email)]) {
      expect(r.status).toBe(status)
      expect(r.body.error.message).toContain(text)
    }
    expect(fake.getJob(JOB)).toEqual(before)
    expect(fake.state.jobs.has(`projects/${P}/locations/${R}/jobs/new-job`)).toBe(false)
  })

  test('a disabled account is accepted (it fails at run time); create stores an ENABLED job', async () => {
    fake = await startFakeGcp(scenario(SVC_URL, oidc(), { serviceAccounts: [{ email: INV, disabled: true }] }))
    expect((await patchOidc(INV)).status).toBe(200)
    const r = await create('new-job', INV)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ name: `projects/${P}/locations/${R}/jobs/new-job`, state: 'ENABLED', httpTarget: { httpMethod: 'POST' } })
    expect((await create('new-job', INV)).status).toBe(409)
  })
})

describe('Cloud Run specifics', () => {
  test('v2 and v1 show defaultUriDisabled and iapEnabled (v1 as annotations)', async () => {
    fake = await startFakeGcp(scenario(SVC_URL, oidc(), {}, { defaultUriDisabled: true, iapEnabled: true }))
    const v2 = await call(fake, 'GET', `v2/${SVC}`)
    expect(v2.body).toMatchObject({ defaultUriDisabled: true, iapEnabled: true })
    const v1 = await call(fake, 'GET', `v1/${SVC}`)
    expect(v1.body.metadata.annotations).toMatchObject({ 'run.googleapis.com/default-url-disabled': 'true', 'run.googleapis.com/iap-enabled': 'true' })
    const plain = await startFakeGcp(scenario(SVC_URL, oidc()))
    const body = (await call(plain, 'GET', `v2/${SVC}`)).body
    await plain.close()
    expect(body.defaultUriDisabled).toBeUndefined()
    expect(body.iapEnabled).toBeUndefined()
  })

  test('defaultUriDisabled: the run.app URL answers 404 even with a good token', async () => {
    expect((await attempt(scenario(`${SVC_URL}/task`, oidc(), {}, { defaultUriDisabled: true }))).http).toBe(404)
  })

  test('iapEnabled: refused without roles/iap.httpsResourceAccessor, then IAP invokes as its agent', async () => {
    const s = scenario(SVC_URL, oidc(), {}, { iapEnabled: true })
    expect((await attempt(s)).http).toBe(403) // run.invoker alone does not pass IAP
    await fake.close()
    s.projects[0].iamPolicy!.bindings!.push(binding('roles/iap.httpsResourceAccessor', sa(INV)))
    expect((await attempt(s)).http).toBe(403) // IAP passes, its service agent lacks run.invoker
    await fake.close()
    s.services![0].iamPolicy!.bindings!.push(binding('roles/run.invoker', sa(IAP_AGENT)))
    expect((await attempt(s)).http).toBe(200)
    await fake.close()
    expect((await attempt(scenario(SVC_URL, {}, {}, { iapEnabled: true }))).http).toBe(401) // no token: IAP's 401
  })

  test('a domain mapping routes an attempt to its service; the custom domain is not an accepted audience', async () => {
    const domainMappings = [{ project: P, region: R, domain: 'api.example.com', service: 'svc' }]
    expect((await attempt(scenario('https://api.example.com/task', oidc(), { domainMappings }))).http).toBe(200)
    await fake.close()
    expect((await attempt(scenario('https://api.example.com/task', oidc('https://api.example.com'), { domainMappings }))).http).toBe(401)
    await fake.close()
    // the mapped domain works even with the default URL disabled; unmapped domains are the internet's 404
    expect((await attempt(scenario('https://api.example.com/', oidc(), { domainMappings }, { defaultUriDisabled: true }))).http).toBe(200)
    await fake.close()
    expect((await attempt(scenario('https://other.example.com/', oidc(), { domainMappings }))).http).toBe(404)
  })

  test('domain mappings get and list (OnePlatform form), run.domainmappings.* checked', async () => {
    fake = await startFakeGcp(scenario(SVC_URL, oidc(), { domainMappings: [{ project: P, region: R, domain: 'api.example.com', service: 'svc' }] }))
    const list = await call(fake, 'GET', `v1/projects/${P}/locations/${R}/domainmappings`)
    expect(list.status).toBe(200)
    expect(list.body.items).toHaveLength(1)
    expect(list.body.items[0]).toMatchObject({ kind: 'DomainMapping', metadata: { name: 'api.example.com' }, spec: { routeName: 'svc' } })
    const get = await call(fake, 'GET', `v1/projects/${P}/locations/${R}/domainmappings/api.example.com`)
    expect(get.body.status.conditions[0]).toMatchObject({ type: 'Ready', status: 'True' })
    expect((await call(fake, 'GET', `v1/projects/${P}/locations/europe-west1/domainmappings`)).body.items).toEqual([])
    expect((await call(fake, 'GET', `v1/projects/${P}/locations/${R}/domainmappings/nope.example.com`)).status).toBe(404)
    const r = await call(fake, 'GET', `v1/projects/${P}/locations/${R}/domainmappings`, undefined, fake.tokenFor(sa(INV)))
    expect(r.status).toBe(403)
    expect(r.body.error.message).toContain('run.domainmappings.list')
  })
})

test("a disabled account's existing access tokens are rejected (401), and accepted again once it is enabled", async () => {
  fake = await startFakeGcp(scenario(SVC_URL, oidc()))
  fake.state.policies.addBinding(`projects/${P}`, 'roles/run.viewer', sa(INV))
  const token = fake.tokenFor(sa(INV))
  expect((await call(fake, 'GET', `v2/${SVC}`, undefined, token)).status).toBe(200)
  expect((await call(fake, 'POST', `v1/projects/${P}/serviceAccounts/${INV}:disable`, {})).status).toBe(200)
  const r = await call(fake, 'GET', `v2/${SVC}`, undefined, token)
  expect(r.status).toBe(401)
  expect(r.body.error.status).toBe('UNAUTHENTICATED')
  expect((await call(fake, 'POST', `v1/projects/${P}/serviceAccounts/${INV}:enable`, {})).status).toBe(200)
  expect((await call(fake, 'GET', `v2/${SVC}`, undefined, token)).status).toBe(200)
})
