/** Scripted faults, added latency, the request log and Logging's read quota. */
import { binding, policy, sa, startFakeGcp, type FakeGcp, type Scenario } from '../../fake-gcp'
import { call } from './helpers'

const P = 'f-proj'
const ME = sa(`me@${P}.iam.gserviceaccount.com`)
const scenario = (extra: Partial<Scenario>): Scenario => ({
  projects: [{ projectId: P, projectNumber: '7', iamPolicy: policy(binding('roles/owner', ME)) }],
  caller: ME,
  ...extra
})
let fake: FakeGcp
afterEach(async () => fake?.close())

test('the Nth matching call fails `times` times, then calls succeed; other routes are untouched', async () => {
  fake = await startFakeGcp(scenario({ faults: [{ method: 'POST', path: ':getIamPolicy$', nth: 2, times: 2, kind: 503 }] }))
  const get = () => call(fake, 'POST', `v1/projects/${P}:getIamPolicy`, {})
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await get()).status)
  expect(statuses).toEqual([200, 503, 503, 200])
  expect((await call(fake, 'GET', `v1/projects/${P}`)).status).toBe(200)
  expect(fake.requests.map(r => r.status)).toEqual([200, 503, 503, 200, 200])
})

test.each([429, 500, 504] as const)('fault %i answers in Google’s envelope', async kind => {
  fake = await startFakeGcp(scenario({ faults: [{ path: '^/v1/projects/', nth: 1, kind }] }))
  const r = await call(fake, 'GET', `v1/projects/${P}`)
  expect(r.status).toBe(kind)
  expect(r.body.error.code).toBe(kind)
})

test('502 is an HTML page from the front end; drop destroys the connection', async () => {
  fake = await startFakeGcp(
    scenario({
      faults: [
        { path: '^/v1/projects/', nth: 1, kind: 502 },
        { path: '^/v1/projects/', nth: 2, kind: 'drop' }
      ]
    })
  )
  const r = await call(fake, 'GET', `v1/projects/${P}`)
  expect(r.status).toBe(502)
  expect(String(r.body)).toMatch(/<!DOCTYPE html>/)
  await expect(call(fake, 'GET', `v1/projects/${P}`)).rejects.toThrow()
  expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v1/projects/${P}`, status: 0 })
})

test('latencyMs delays every answer', async () => {
  fake = await startFakeGcp(scenario({ settings: { latencyMs: 150 } }))
  const t0 = Date.now()
  await call(fake, 'GET', `v1/projects/${P}`)
  expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
})

test("a 'slow' fault is a latency spike: that call answers as usual, delayMs late; the next is on time", async () => {
  fake = await startFakeGcp(scenario({ faults: [{ path: '^/v1/projects/', nth: 1, kind: 'slow', delayMs: 300 }] }))
  let t0 = Date.now()
  const r = await call(fake, 'GET', `v1/projects/${P}`)
  expect(r.status).toBe(200)
  expect(r.body.projectId).toBe(P)
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
  t0 = Date.now()
  expect((await call(fake, 'GET', `v1/projects/${P}`)).status).toBe(200)
  expect(Date.now() - t0).toBeLessThan(250)
  expect(fake.requests.map(q => q.status)).toEqual([200, 200])
})

test('Logging allows loggingReadsPerMinute entries:list calls per project, then 429 RESOURCE_EXHAUSTED', async () => {
  fake = await startFakeGcp(scenario({ settings: { loggingReadsPerMinute: 3 } }))
  const list = () => call(fake, 'POST', 'v2/entries:list', { resourceNames: [`projects/${P}`], filter: 'resource.type="cloud_scheduler_job"' })
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await list()).status)
  expect(statuses).toEqual([200, 200, 200, 429])
  expect((await list()).body.error.status).toBe('RESOURCE_EXHAUSTED')
})

test('the request log records method, path, raw query, parsed body, status and principal', async () => {
  fake = await startFakeGcp(scenario({}))
  await call(fake, 'POST', `v1/projects/${P}:getIamPolicy?alt=json`, { options: { requestedPolicyVersion: 3 } })
  expect(fake.requests[0]).toMatchObject({
    method: 'POST',
    path: `/v1/projects/${P}:getIamPolicy`,
    query: 'alt=json',
    body: { options: { requestedPolicyVersion: 3 } },
    status: 200,
    principal: ME
  })
})
