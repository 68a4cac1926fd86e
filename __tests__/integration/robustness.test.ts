/** What must hold whatever Google does: faults, races, propagation, missing rights, bad input, secrets. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { binding, sa } from '../../fake-gcp/scenario'
import { act, closeAll, DEPLOYER, healthy, INVOKER, job, jobName, members, OTHER_SA, P, R, service, svcName, world, writes } from './world'

afterAll(closeAll)

const brokenApi = () =>
  world(s => {
    delete job(s, 'api-job').httpTarget!.oidcToken
    service(s, 'api').iamPolicy = {
      version: 3,
      bindings: [
        binding('roles/run.viewer', sa(OTHER_SA)),
        {
          role: 'roles/run.invoker',
          members: [sa(OTHER_SA)],
          condition: { title: 'business hours', expression: 'request.time.getHours("Europe/Berlin") < 18' }
        }
      ]
    }
  })

describe('IAM writes keep what was there', () => {
  it('conditional bindings and other members survive the read-modify-write (version 3 kept)', async () => {
    const r = await act(brokenApi(), { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('fixed')
    const p = r.fake.getPolicy(svcName('api'))
    expect(p.version).toBe(3)
    expect(p.bindings).toEqual(
      expect.arrayContaining([
        binding('roles/run.viewer', sa(OTHER_SA)),
        { role: 'roles/run.invoker', members: [sa(OTHER_SA)], condition: expect.objectContaining({ title: 'business hours' }) },
        { role: 'roles/run.invoker', members: [sa(INVOKER)] }
      ])
    )
    expect(p.bindings).toHaveLength(3)
  })

  it('a concurrent writer between read and write: 409, re-read, both changes kept', async () => {
    const s = brokenApi()
    s.concurrentWriters = [{ resource: svcName('api'), afterRead: 1, add: { role: 'roles/run.developer', member: 'user:alice@example.com' } }]
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('fixed')
    const sets = r.fake.requests.filter(q => q.path.endsWith(`${svcName('api')}:setIamPolicy`))
    expect(sets.map(q => q.status)).toEqual([409, 200])
    expect(members(r.fake, svcName('api'), 'roles/run.developer')).toEqual(['user:alice@example.com'])
    expect(members(r.fake, svcName('api'), 'roles/run.invoker')).toEqual([sa(INVOKER)])
  })
})

describe('Google being Google', () => {
  it('injected 429s and 503s are retried with backoff', async () => {
    const s = brokenApi()
    s.faults = [
      { path: 'jobs/api-job$', method: 'GET', nth: 1, times: 2, kind: 503 },
      { path: ':getIamPolicy$', nth: 1, kind: 429 },
      { path: 'jobs/api-job$', method: 'PATCH', nth: 1, kind: 'drop' }
    ]
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('fixed')
    expect(r.fake.requests.filter(q => q.status === 503 || q.status === 429).length).toBeGreaterThanOrEqual(3)
    expect(r.outputs.http_status).toBe('200')
  })

  it('a write that keeps failing after retries: the one that landed is reported, the failed one named, no test run', async () => {
    const s = brokenApi()
    s.faults = [{ path: 'services/api:setIamPolicy$', nth: 1, times: 99, kind: 503 }]
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('failed')
    expect(r.changes.map(c => c.kind)).toEqual(['job.oidc'])
    expect(r.fake.getJob(jobName('api-job'))!.httpTarget!.oidcToken!.serviceAccountEmail).toBe(INVOKER)
    expect(r.summary).toMatch(/Fix mode stopped: 1 of 2 write\(s\) failed \(projects\/acme-prod\/locations\/us-central1\/services\/api: /)
    expect(r.summary).toContain('The 1 that landed stay')
    expect(r.summary).toMatch(/\| ❌ \| Invoker role \|.*not fixed \(the iam.invoker write failed\)/)
    expect(r.summary).toMatch(/\| 🔧 \| Token type \|/)
    expect(r.fake.requests.filter(q => q.path.endsWith(':run'))).toEqual([])
  })

  it('IAM propagation delay after a fix: 403 first, re-run until 200, and the report says how long it took', async () => {
    const s = brokenApi()
    s.settings!.iamPropagationDelayMs = 2500
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(r.fake.requests.filter(q => q.path.endsWith('jobs/api-job:run')).length).toBeGreaterThan(1)
    expect(r.summary).toMatch(/IAM propagation took \d+\.\d s/)
  })

  it('Logging answers empty pages with a nextPageToken first: followed, and the status is still exact', async () => {
    const s = healthy()
    s.settings = { ...s.settings, logEmptyPages: 2 }
    const r = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(r.outputs.http_status).toBe('200')
    expect(r.summary).toMatch(/✅ HTTP 200 \(from the execution log\)/)
    expect(r.fake.requests.filter(q => q.path === '/v2/entries:list' && (q.body as { pageToken?: string }).pageToken).length).toBeGreaterThanOrEqual(2)
  })

  it('execution log not readable (no roles/logging.viewer): status inferred from the job and said so', async () => {
    const s = world(s => {
      s.projects[0].iamPolicy!.bindings = s.projects[0].iamPolicy!.bindings!.filter(b => b.role !== 'roles/logging.viewer')
    })
    const r = await act(s, { mode: 'verify', job: 'legacy-job', region: R })
    expect(r.outputs.result).toBe('ok')
    // Only the log knows the exact code; the job's status knows it was a success.
    expect(r.outputs.http_status).toBe('2xx')
    expect(r.jobs[0].http_status).toBe('2xx')
    expect(r.summary).toMatch(/✅ HTTP 2xx \(inferred from the job status/)
  })
})

describe('fix mode is all or nothing', () => {
  it('a caller missing one write permission: nothing written, each missing permission named with its role', async () => {
    const s = brokenApi()
    s.projects[0].iamPolicy!.bindings = s.projects[0].iamPolicy!.bindings!.map(b =>
      b.role === 'roles/run.admin' ? binding('roles/run.developer', DEPLOYER) : b
    )
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('failed')
    expect(r.code).toBe(1)
    expect(writes(r.fake)).toEqual([])
    expect(r.stdout).toMatch(/run\.services\.setIamPolicy on projects\/acme-prod\/locations\/us-central1\/services\/api \(grant roles\/run\.admin\)/)
    expect(r.fake.getJob(jobName('api-job')).httpTarget!.oidcToken).toBeUndefined()
  })
})

describe('bad input fails before any network call, with one line naming the input', () => {
  it.each([
    [{ mode: 'fixx', job: 'a' }, /Invalid 'mode' "fixx": expected verify or fix\./],
    [{ job: 'projects/acme-prod/locations/us-central1/jobz/x' }, /Invalid 'job'/],
    [{ job: 'a', function: 'f', service: 's' }, /Invalid 'function' and 'service'/],
    [{ job: 'a', invoker_service_account: 'not-an-email' }, /Invalid 'invoker_service_account' "not-an-email"/],
    [{ job: 'a', audience: 'http://x.run.app' }, /Invalid 'audience'/],
    [{ job: 'a', timeout: 'soon' }, /Invalid 'timeout' "soon"/],
    [{ job: 'a', test_run: 'yes please' }, /Invalid 'test_run' "yes please"/],
    [{ job: 'a', workload_identity_provider: 'pool/provider', service_account: `x@${P}.iam.gserviceaccount.com` }, /Invalid 'workload_identity_provider'/],
    [{}, /Invalid 'job' "": nothing to act on/]
  ])('%j', async (inputs, message) => {
    const r = await act(healthy(), { region: R, ...inputs })
    expect(r.code).toBe(1)
    expect(r.outputs.result).toBe('failed')
    const errors = r.stdout.split('\n').filter(l => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(r.fake.requests).toEqual([])
  })
})

describe('secrets', () => {
  it('every access token the action used is masked, and appears nowhere but in its ::add-mask:: line', async () => {
    const r = await act(brokenApi(), { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('fixed')
    const masked = r.stdout
      .split('\n')
      .filter(l => l.startsWith('::add-mask::'))
      .map(l => l.slice('::add-mask::'.length))
    // The ADC file's STS token and the impersonated access token, each once.
    expect(masked.filter(t => t.startsWith('ya29.fake-sts-'))).toHaveLength(1)
    expect(masked.filter(t => t.startsWith('ya29.') && !t.includes('fake-sts-'))).toHaveLength(1)
    const all = r.stdout + r.stderr + r.summary + JSON.stringify(r.outputs)
    for (const t of new Set(masked)) {
      expect(all.split(t).length - 1).toBe(r.stdout.split('\n').filter(l => l === `::add-mask::${t}`).length)
    }
    // Nothing that looks like a Google token or a JWT outside a mask line.
    const unmasked = all.split('\n').filter(l => !l.startsWith('::add-mask::'))
    expect(unmasked.filter(l => /ya29\.|eyJ[A-Za-z0-9_-]{10,}\./.test(l))).toEqual([])
    expect(r.jobs[0].invoker_service_account).toBe(INVOKER)
  })
})
