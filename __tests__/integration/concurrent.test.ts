/**
 * Two runs at once keep both (issue 13): two action processes started at the same moment
 * against one stand-in (as a workflow's matrix legs do), each fixing its own job, both jobs
 * calling one gen 2 function, so both grants go to one policy (the function's Cloud Run
 * service). Each run reads the policy, adds its member and writes with the etag it read: the
 * second writer gets 409 ABORTED and must re-read and write again, keeping the first's member.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { startFakeGcp, type FakeGcp } from '../../fake-gcp'
import { httpJob, sa } from '../../fake-gcp/scenario'
import { act, closeAll, GEN2_URL, INVOKER, jobName, members, OTHER_SA, P, R, svcName, world, type Run } from './world'

afterAll(closeAll)

const SERVICE = svcName('nightly')
const RUN_INVOKER = 'roles/run.invoker'

/** The gen 2 function's service with no invoker, and two jobs calling the function as different accounts. */
const shared = (latencyMs = 0) =>
  world(s => {
    s.services!.find(x => x.name === SERVICE)!.iamPolicy = { version: 1, bindings: [{ role: 'roles/run.developer', members: ['group:devs@example.com'] }] }
    s.jobs = [
      httpJob(P, R, 'nightly-a', GEN2_URL, { oidc: { serviceAccountEmail: INVOKER, audience: GEN2_URL }, body: '{"part":"a"}' }),
      httpJob(P, R, 'nightly-b', GEN2_URL, { oidc: { serviceAccountEmail: OTHER_SA, audience: GEN2_URL }, body: '{"part":"b"}' })
    ]
    s.settings = { ...s.settings, latencyMs }
  })

/** Both runs, started together against one stand-in. */
async function together(fake: FakeGcp, inputs: Record<string, string> = {}): Promise<[Run, Run]> {
  const one = (id: string) => act(fake, { mode: 'fix', job: id, region: R, ...inputs })
  return Promise.all([one('nightly-a'), one('nightly-b')])
}

const setCalls = (fake: FakeGcp) => fake.requests.filter(q => q.method === 'POST' && q.path.endsWith(`${SERVICE}:setIamPolicy`))

function bothKept(fake: FakeGcp, runs: Run[]): void {
  for (const r of runs) {
    expect(r.outputs.result).toBe('fixed')
    expect(r.code).toBe(0)
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: 'iam.invoker', resource: SERVICE }))
  }
  expect(members(fake, SERVICE, RUN_INVOKER).sort()).toEqual([sa(INVOKER), sa(OTHER_SA)].sort())
  // What was there before stays.
  expect(members(fake, SERVICE, 'roles/run.developer')).toEqual(['group:devs@example.com'])
  expect(fake.getJob(jobName('nightly-a')).httpTarget!.oidcToken).toEqual({ serviceAccountEmail: INVOKER, audience: GEN2_URL })
  expect(fake.getJob(jobName('nightly-b')).httpTarget!.oidcToken).toEqual({ serviceAccountEmail: OTHER_SA, audience: GEN2_URL })
}

describe('two fix runs at once on one shared policy', () => {
  it('both end fixed with both members bound, each test run passing', async () => {
    const fake = await startFakeGcp(shared())
    const runs = await together(fake)
    bothKept(fake, runs)
    for (const r of runs) expect(r.outputs.http_status).toBe('200')
    const sets = setCalls(fake)
    // Each run landed its write once; any 409 in between was re-read and retried.
    expect(sets.filter(q => q.status === 200)).toHaveLength(2)
    console.log(`concurrent (no latency): setIamPolicy answers ${sets.map(q => q.status).join(', ')}`)
  })

  it('forced overlap (every answer 300 ms late, so both read before either writes): the later writer gets 409 ABORTED, re-reads and keeps both', async () => {
    const fake = await startFakeGcp(shared(300))
    const runs = await together(fake, { test_run: 'false' })
    bothKept(fake, runs)
    const sets = setCalls(fake)
    const conflicts = sets.filter(q => q.status === 409)
    console.log(`concurrent (300 ms latency): setIamPolicy answers ${sets.map(q => q.status).join(', ')}; ${conflicts.length} conflict(s) retried`)
    expect(conflicts.length).toBeGreaterThanOrEqual(1)
    expect((conflicts[0].response as { error: { status: string } }).error.status).toBe('ABORTED')
    expect(sets.filter(q => q.status === 200)).toHaveLength(2)
    // The retry re-read the policy: more reads of it than the two observes made.
    expect(fake.requests.filter(q => q.path.endsWith(`${SERVICE}:getIamPolicy`)).length).toBeGreaterThanOrEqual(3)
  })
})
