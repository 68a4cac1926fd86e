/** Google's own Node client (fallback REST transport, integer enums) against the stand-in. */
import { CloudSchedulerClient } from '@google-cloud/scheduler'
import { OAuth2Client } from 'google-auth-library'
import { startFakeGcp, type FakeGcp } from '../../fake-gcp'
import { conformanceScenario, GEN2_URL, INVOKER, jobName, P, R } from './scenario'

let fake: FakeGcp
let client: CloudSchedulerClient
const opts = { timeout: 10_000, retry: null } as const

beforeEach(async () => {
  fake = await startFakeGcp(conformanceScenario())
  const authClient = new OAuth2Client()
  authClient.setCredentials({ access_token: fake.tokenFor(conformanceScenario().caller), expiry_date: Date.now() + 3_600_000 })
  client = new CloudSchedulerClient({ fallback: true, apiEndpoint: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http', authClient } as never)
})
afterEach(async () => {
  await client.close()
  await fake.close()
})

test('getJob and listJobs decode the stand-in’s answers (integer enums on request)', async () => {
  const [job] = await client.getJob({ name: jobName('nightly-report') }, opts)
  expect(job.name).toBe(jobName('nightly-report'))
  expect(job.state).toBe('ENABLED')
  expect(job.httpTarget?.httpMethod).toBe('POST')
  expect(fake.requests.at(-1)!.query).toMatch(/enum-encoding=int/)
  const [jobs] = await client.listJobs({ parent: `projects/${P}/locations/${R}`, pageSize: 1 }, { ...opts, autoPaginate: true })
  expect(jobs.map(j => j.name).sort()).toEqual([jobName('legacy-report'), jobName('nightly-report')])
  expect(fake.requests.filter(r => /\/jobs$/.test(r.path))).toHaveLength(2) // two pages
})

test('updateJob with updateMask changes only the masked fields', async () => {
  const before = fake.getJob(jobName('nightly-report'))
  const [job] = await client.updateJob(
    {
      job: { name: jobName('nightly-report'), httpTarget: { oidcToken: { serviceAccountEmail: INVOKER, audience: GEN2_URL } }, schedule: 'ignored' },
      updateMask: { paths: ['http_target.oidc_token.service_account_email', 'http_target.oidc_token.audience'] }
    },
    opts
  )
  expect(job.httpTarget?.oidcToken).toEqual({ serviceAccountEmail: INVOKER, audience: GEN2_URL })
  const after = fake.getJob(jobName('nightly-report'))
  expect(after.schedule).toBe(before.schedule)
  expect(after.httpTarget?.body).toBe(before.httpTarget?.body)
  expect(after.httpTarget?.httpMethod).toBe('POST')
})

test('an unknown mask path is a 400 the client surfaces as INVALID_ARGUMENT (3)', async () => {
  await expect(client.updateJob({ job: { name: jobName('nightly-report') }, updateMask: { paths: ['http_target.nope'] } }, opts)).rejects.toMatchObject({
    code: 3
  })
})

test('runJob returns the job and the attempt follows', async () => {
  const [job] = await client.runJob({ name: jobName('legacy-report') }, opts)
  expect(job.name).toBe(jobName('legacy-report'))
  await fake.idle()
  expect(fake.getJob(jobName('legacy-report')).lastAttemptTime).toBeDefined()
  await expect(client.getJob({ name: jobName('missing') }, opts)).rejects.toMatchObject({ code: 5 })
})
