/* eslint-disable @typescript-eslint/no-explicit-any -- log entries as gcloud prints them */
/**
 * Fidelity proof: the real gcloud (a client nobody here wrote) runs the classic manual fix
 * against the stand-in, must accept every answer, and leaves the state Google would have.
 */
import { jest } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp } from '../../fake-gcp'
import { gcloud, requireGcloud } from './gcloud-helpers'
import { conformanceScenario, DEPLOYER, GEN1_URL, GEN2_URL, INVOKER, jobName, OUTSIDER, P, R } from './scenario'

jest.setTimeout(120_000)

let fake: FakeGcp
let env: Record<string, string>

beforeAll(() => requireGcloud())
beforeEach(async () => {
  fake = await startFakeGcp(conformanceScenario())
  env = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-gcloud-')))
})
afterEach(async () => fake.close())

const loc = ['--location', R]
const reg = ['--region', R]
const member = `serviceAccount:${INVOKER}`
const sent = (method: string, re: RegExp) => fake.requests.filter(r => r.method === method && re.test(r.path))

test('scheduler jobs describe and list return the jobs as stored', async () => {
  const [d, l] = await Promise.all([
    gcloud(env, ['scheduler', 'jobs', 'describe', 'nightly-report', ...loc]),
    gcloud(env, ['scheduler', 'jobs', 'list', ...loc])
  ])
  expect(d.json).toEqual(fake.getJob(jobName('nightly-report')))
  expect(l.json.map((j: { name: string }) => j.name).sort()).toEqual([jobName('legacy-report'), jobName('nightly-report')])
  expect(sent('GET', /^\/v1\/projects\/conf-proj\/locations\/us-central1\/jobs$/)).toHaveLength(1)
})

test('scheduler jobs update http --oidc-* patches only the OIDC fields', async () => {
  const before = fake.getJob(jobName('nightly-report'))
  await gcloud(env, [
    'scheduler',
    'jobs',
    'update',
    'http',
    'nightly-report',
    ...loc,
    '--oidc-service-account-email',
    INVOKER,
    '--oidc-token-audience',
    GEN2_URL
  ])
  const patches = sent('PATCH', /\/jobs\/nightly-report$/)
  expect(patches).toHaveLength(1)
  const mask = new URLSearchParams(patches[0].query).get('updateMask')!.split(',').sort()
  expect(mask).toEqual(['httpTarget.oidcToken.audience', 'httpTarget.oidcToken.serviceAccountEmail'])
  const after = fake.getJob(jobName('nightly-report'))
  expect(after.httpTarget!.oidcToken).toEqual({ serviceAccountEmail: INVOKER, audience: GEN2_URL })
  for (const k of ['uri', 'httpMethod', 'body', 'headers'] as const) expect(after.httpTarget![k]).toEqual(before.httpTarget![k])
  expect([after.schedule, after.timeZone, after.retryConfig, after.attemptDeadline]).toEqual([
    before.schedule,
    before.timeZone,
    before.retryConfig,
    before.attemptDeadline
  ])
})

test('scheduler jobs update http is refused without actAs on the account, as Google refuses it', async () => {
  const err = await gcloud(env, ['scheduler', 'jobs', 'update', 'http', 'nightly-report', ...loc, '--oidc-service-account-email', OUTSIDER]).catch(
    (e: { stderr: string }) => e
  )
  expect((err as { stderr: string }).stderr).toMatch(/PERMISSION_DENIED|iam\.serviceAccounts\.actAs/)
  expect(fake.getJob(jobName('nightly-report')).httpTarget!.oidcToken).toBeUndefined()
})

test('scheduler jobs run answers at once; the attempt sets status and writes the log', async () => {
  const runAt = Date.now()
  const r = await gcloud(env, ['scheduler', 'jobs', 'run', 'legacy-report', ...loc])
  expect(r.json.name).toBe(jobName('legacy-report'))
  await fake.idle()
  const job = fake.getJob(jobName('legacy-report'))
  expect(Date.parse(job.lastAttemptTime!)).toBeGreaterThanOrEqual(runAt - 1000)
  // the invoker has no cloudfunctions.invoker on the gen 1 function yet
  expect(job.status).toEqual({ code: 7, message: expect.stringContaining('= 403') })
  const finished = fake.logEntries().find(e => String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))
  expect(finished?.httpRequest).toEqual({ status: 403 })
})

test('functions describe: v2 API for both; gen 1 is then read through v1, as gcloud does', async () => {
  const [g1, g2] = await Promise.all([
    gcloud(env, ['functions', 'describe', 'legacy-report', ...reg]),
    gcloud(env, ['functions', 'describe', 'nightly-report', ...reg])
  ])
  expect(g1.json).toMatchObject({ httpsTrigger: { url: GEN1_URL }, status: 'ACTIVE' })
  expect(sent('GET', /functions\/legacy-report$/).map(r => r.path.split('/')[1])).toEqual(['v2', 'v1'])
  expect(g2.json).toMatchObject({
    environment: 'GEN_2',
    url: GEN2_URL,
    serviceConfig: {
      service: `projects/${P}/locations/${R}/services/nightly-report`,
      uri: fake.state.services.get(`projects/${P}/locations/${R}/services/nightly-report`)!.uri
    }
  })
})

test('functions add-invoker-policy-binding: gen 2 lands on the Cloud Run service as run.invoker, gen 1 on the function', async () => {
  await Promise.all([
    gcloud(env, ['functions', 'add-invoker-policy-binding', 'nightly-report', ...reg, '--member', member]),
    gcloud(env, ['functions', 'add-invoker-policy-binding', 'legacy-report', ...reg, '--member', member])
  ])
  const svc = fake.getPolicy(`projects/${P}/locations/${R}/services/nightly-report`)
  expect(svc.bindings).toEqual([{ role: 'roles/run.invoker', members: [member] }])
  expect(fake.getPolicy(`projects/${P}/locations/${R}/functions/nightly-report`).bindings).toBeUndefined()
  expect(fake.getPolicy(`projects/${P}/locations/${R}/functions/legacy-report`).bindings).toEqual([{ role: 'roles/cloudfunctions.invoker', members: [member] }])
  expect(sent('POST', /^\/v1\/projects\/conf-proj\/locations\/us-central1\/services\/nightly-report:setIamPolicy$/)).toHaveLength(1)
})

test('functions add-iam-policy-binding --no-gen2 and --gen2 write the function policy', async () => {
  await gcloud(env, ['functions', 'add-iam-policy-binding', 'legacy-report', ...reg, '--no-gen2', '--member', member, '--role', 'roles/cloudfunctions.invoker'])
  expect(fake.getPolicy(`projects/${P}/locations/${R}/functions/legacy-report`).bindings).toEqual([{ role: 'roles/cloudfunctions.invoker', members: [member] }])
  await gcloud(env, [
    'functions',
    'add-iam-policy-binding',
    'legacy-report',
    ...reg,
    '--gen2',
    '--member',
    `serviceAccount:${DEPLOYER}`,
    '--role',
    'roles/cloudfunctions.invoker'
  ])
  expect(fake.getPolicy(`projects/${P}/locations/${R}/functions/legacy-report`).bindings).toEqual([
    { role: 'roles/cloudfunctions.invoker', members: [member, `serviceAccount:${DEPLOYER}`] }
  ])
  expect(sent('POST', /^\/v1\/.*legacy-report:setIamPolicy$/)).toHaveLength(1)
  expect(sent('POST', /^\/v2\/.*legacy-report:setIamPolicy$/)).toHaveLength(1)
})

test('run services describe (Knative v1 surface) and add-iam-policy-binding', async () => {
  const d = await gcloud(env, ['run', 'services', 'describe', 'api', ...reg])
  const svc = fake.state.services.get(`projects/${P}/locations/${R}/services/api`)!
  expect(d.json).toMatchObject({ kind: 'Service', metadata: { name: 'api' }, status: { url: svc.uri } })
  await gcloud(env, ['run', 'services', 'add-iam-policy-binding', 'api', ...reg, '--member', member, '--role', 'roles/run.invoker'])
  expect(fake.getPolicy(svc.name).bindings).toEqual([{ role: 'roles/run.invoker', members: [member] }])
  expect(sent('GET', /services\/api:getIamPolicy$/)[0].query).toMatch(/options\.requestedPolicyVersion=3/)
})

test('projects get-iam-policy returns the project policy (v3 requested)', async () => {
  const r = await gcloud(env, ['projects', 'get-iam-policy', P])
  expect(r.json.bindings).toEqual(fake.getPolicy(`projects/${P}`).bindings)
  // gcloud prints the bytes etag in the URL-safe alphabet; the bytes are what must match
  expect(Buffer.from(r.json.etag, 'base64')).toEqual(Buffer.from(fake.getPolicy(`projects/${P}`).etag!, 'base64'))
  expect(r.json.etag).toMatch(/[-_]/)
  expect(sent('POST', /^\/v1\/projects\/conf-proj:getIamPolicy$/)[0].body).toEqual({ options: { requestedPolicyVersion: 3 } })
})

test('a caller without rights gets Google’s 403, which gcloud reports', async () => {
  const outsider = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-gcloud-')), { member: `serviceAccount:${OUTSIDER}` })
  const err = (await gcloud(outsider, ['scheduler', 'jobs', 'describe', 'nightly-report', ...loc]).catch((e: unknown) => e)) as { stderr: string }
  expect(err.stderr).toMatch(/PERMISSION_DENIED: Permission 'cloudscheduler.jobs.get' denied/)
})

/** gcloud logging read, repeated until `pred` holds (ingestion delay), within Logging's quota. */
async function readLog(filter: string, pred: (entries: any[]) => boolean): Promise<any[]> {
  for (let i = 0; i < 20; i++) {
    const r = await gcloud(env, ['logging', 'read', filter, '--limit', '10'])
    if (pred(r.json)) return r.json
    await new Promise(res => setTimeout(res, 300))
  }
  throw new Error(`log never showed what was expected for ${filter}`)
}

test('logging read sees the executions log newest first', async () => {
  await gcloud(env, ['scheduler', 'jobs', 'run', 'nightly-report', ...loc])
  await fake.idle()
  const entries = await readLog('resource.type="cloud_scheduler_job"', e => e.length === 2)
  expect(entries[0].jsonPayload['@type']).toMatch(/AttemptFinished$/)
  expect(entries[1].jsonPayload['@type']).toMatch(/AttemptStarted$/)
  const body = sent('POST', /^\/v2\/entries:list$/)[0].body as Record<string, unknown>
  expect(body).toMatchObject({ orderBy: 'timestamp desc', pageSize: 10, resourceNames: [`projects/${P}`] })
  expect(body.filter).toMatch(/resource\.type="cloud_scheduler_job"/)
})

test('the classic manual fix: 403 → update http + add-invoker-policy-binding → 200 in the log', async () => {
  const job = 'nightly-report'
  const finished = (status: number) => (e: any[]) => e.some(x => /AttemptFinished$/.test(x.jsonPayload?.['@type']) && x.httpRequest?.status === status)
  const filter = `resource.type="cloud_scheduler_job" AND resource.labels.job_id="${job}" AND jsonPayload.@type="type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished"`

  await gcloud(env, ['scheduler', 'jobs', 'run', job, ...loc])
  await fake.idle()
  await readLog(filter, finished(403)) // no token at all
  expect(fake.getJob(jobName(job)).status?.code).toBe(7)

  await Promise.all([
    gcloud(env, ['scheduler', 'jobs', 'update', 'http', job, ...loc, '--oidc-service-account-email', INVOKER, '--oidc-token-audience', GEN2_URL]),
    gcloud(env, ['functions', 'add-invoker-policy-binding', job, ...reg, '--member', member])
  ])
  await gcloud(env, ['scheduler', 'jobs', 'run', job, ...loc])
  await fake.idle()
  expect(fake.getJob(jobName(job)).status).toEqual({})
  const entries = await readLog(filter, finished(200))
  expect(entries[0]).toMatchObject({ severity: 'INFO', httpRequest: { status: 200 } })
})
