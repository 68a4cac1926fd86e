/** List methods page as Google's do: pageSize (capped), an opaque pageToken, nextPageToken until the end. */
import { binding, gen1Function, gen2Function, httpJob, policy, runService, sa, startFakeGcp, type FakeGcp } from '../../fake-gcp'
import { call } from './helpers'

const P = 'list-proj'
const R = 'us-central1'
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)

let fake: FakeGcp
afterEach(async () => fake?.close())

it.each([
  ['Cloud Functions v2', `v2/projects/${P}/locations/${R}/functions`, 'functions', 3],
  ['Cloud Functions v1 (gen 1 only)', `v1/projects/${P}/locations/${R}/functions`, 'functions', 2],
  ['Cloud Run v2', `v2/projects/${P}/locations/${R}/services`, 'services', 3],
  ['Cloud Scheduler', `v1/projects/${P}/locations/${R}/jobs`, 'jobs', 3]
])('%s: pageSize 2 gives pages joined by nextPageToken', async (_, path, key, total) => {
  fake = await startFakeGcp({
    projects: [{ projectId: P, projectNumber: '77', iamPolicy: policy(binding('roles/owner', OWNER)) }],
    functions: [gen1Function(P, R, 'a'), gen1Function(P, R, 'b'), gen2Function(P, R, 'c')],
    services: [runService(P, R, 'x'), runService(P, R, 'y')],
    jobs: ['j1', 'j2', 'j3'].map(id => httpJob(P, R, id, `https://${R}-${P}.cloudfunctions.net/a`, {})),
    caller: OWNER
  })
  const seen: string[] = []
  let token: string | undefined
  let pages = 0
  do {
    const r = await call(fake, 'GET', `${path}?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`)
    expect(r.status).toBe(200)
    const items = (r.body[key] ?? []) as { name: string }[]
    expect(items.length).toBeLessThanOrEqual(2)
    seen.push(...items.map(i => i.name))
    token = r.body.nextPageToken
    pages++
  } while (token)
  expect(seen).toHaveLength(total)
  expect(new Set(seen).size).toBe(total)
  expect(pages).toBe(Math.ceil(total / 2))
})
