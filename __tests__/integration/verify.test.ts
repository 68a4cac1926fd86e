/** Verify mode, blockers and warnings: what the action reports without writing anything. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { binding, deployerProject, functionUrl, gen1Function, httpJob, policy, sa } from '../../fake-gcp/scenario'
import { act, API_URL, closeAll, DEPLOYER, fn, healthy, INVOKER, job, jobName, P, R, service, world, writes } from './world'

afterAll(closeAll)

describe('verify mode', () => {
  it("test_run: auto (the default) does not fire the jobs of a job: '*' audit: no jobs.run at all", async () => {
    const r = await act(healthy(), { mode: 'verify', job: '*', location: R })
    expect(r.outputs.result).toBe('ok')
    expect(r.outputs.http_status).toBe('')
    expect(r.jobs.map(j => j.http_status)).toEqual([null, null, null])
    expect(r.fake.requests.some(q => q.path.endsWith(':run'))).toBe(false)
  })

  it('a healthy project: ok, 200 for each job, and not one write (asserted from the request log)', async () => {
    const r = await act(healthy(), { mode: 'verify', job: '*', location: R, test_run: 'true' })
    expect(r.outputs.result).toBe('ok')
    expect(r.code).toBe(0)
    expect(r.jobs.map(j => [j.job.split('/').pop(), j.http_status, j.result])).toEqual([
      ['legacy-job', 200, 'ok'],
      ['nightly-job', 200, 'ok'],
      ['api-job', 200, 'ok']
    ])
    expect(r.outputs.http_status).toBe('200')
    expect(writes(r.fake)).toEqual([])
    expect(r.fake.requests.some(q => /testIamPermissions/.test(q.path))).toBe(false)
    expect(r.changes).toEqual([])
    // A location audit lists the region's functions and services once instead of reading each target,
    // and reads each invoker policy exactly once.
    const paths = r.fake.requests.map(q => `${q.method} ${q.path}`)
    expect(paths.filter(p => /^GET \/v2\/projects\/acme-prod\/locations\/us-central1\/(functions|services)\/[^/:]+$/.test(p))).toEqual([])
    expect(paths.filter(p => /\/(functions|services)$/.test(p)).sort()).toEqual([
      'GET /v2/projects/acme-prod/locations/us-central1/functions',
      'GET /v2/projects/acme-prod/locations/us-central1/services'
    ])
    for (const resource of ['functions/legacy', 'services/nightly', 'services/api']) {
      expect(paths.filter(p => p.endsWith(`locations/us-central1/${resource}:getIamPolicy`))).toHaveLength(1)
    }
  })

  it('drift in verify mode: the changes fix would make, no writes, step fails', async () => {
    const s = world(s => {
      delete job(s, 'nightly-job').httpTarget!.oidcToken
      service(s, 'nightly').iamPolicy = policy()
    })
    const r = await act(s, { mode: 'verify', function: 'nightly', region: R, invoker_service_account: INVOKER, test_run: 'false' })
    expect(r.outputs.result).toBe('drift')
    expect(r.code).toBe(1)
    expect(r.changes.map(c => c.kind).sort()).toEqual(['iam.invoker', 'job.oidc'])
    expect(writes(r.fake)).toEqual([])
    expect(r.fake.requests.some(q => q.path.endsWith(':run'))).toBe(false)
    expect(r.outputs.http_status).toBe('')
    expect(r.stdout).toMatch(/::error title=nightly-job%3A Token type::/)
  })

  it('drift in verify mode still test-runs the job as it is: the attempt fails and the finding explains it, still no writes', async () => {
    const s = world(s => {
      job(s, 'api-job').httpTarget!.oidcToken!.audience = `${API_URL}/tasks`
    })
    const r = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(r.outputs.result).toBe('failed')
    expect(r.outputs.http_status).toBe('401')
    expect(r.fake.requests.filter(q => q.path.endsWith('jobs/api-job:run'))).toHaveLength(1)
    expect(writes(r.fake)).toEqual([])
    expect(r.summary).toMatch(/Test run: ❌ HTTP 401 \(from the execution log\).*Cause: OIDC audience/)
  })

  it('a function target with no job given: finds the jobs that call it', async () => {
    const r = await act(healthy(), { mode: 'verify', function: 'legacy', region: R, test_run: 'false' })
    expect(r.jobs.map(j => j.job)).toEqual([jobName('legacy-job')])
    expect(r.outputs.result).toBe('ok')
  })
})

describe('what an audit meets', () => {
  it('a webhook outside Google Cloud in a location audit: a warning, not tested, the audit still passes', async () => {
    const s = world(s => {
      s.jobs!.push(
        httpJob(P, R, 'slack-digest', 'https://hooks.example.com/digest', { oidc: { serviceAccountEmail: INVOKER, audience: 'https://hooks.example.com' } })
      )
    })
    const r = await act(s, { mode: 'verify', job: '*', location: R, test_run: 'true' })
    expect(r.outputs.result).toBe('ok')
    expect(r.jobs.find(j => j.job === jobName('slack-digest'))).toMatchObject({
      http_status: null,
      result: 'ok',
      findings: [{ check: 'job.uri', severity: 'warning' }]
    })
    expect(r.fake.requests.some(q => q.path.endsWith('slack-digest:run'))).toBe(false)
  })

  it('a function that does not exist: failed, naming the inputs to check', async () => {
    const r = await act(healthy(), { mode: 'verify', function: 'nightly-typo', region: R, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(r.stdout).toMatch(/::error::.*404.*Check the 'function' and 'region' inputs \(nightly-typo in us-central1\)/)
  })
})

describe('blockers and warnings', () => {
  it("internal-only ingress in the job's own project admits Cloud Scheduler: ok, 200, nothing to open up", async () => {
    const s = world(s => {
      service(s, 'api').ingress = 'INGRESS_TRAFFIC_INTERNAL_ONLY'
      fn(s, 'legacy').ingressSettings = 'ALLOW_INTERNAL_ONLY'
    })
    const r = await act(s, { mode: 'verify', job: 'api-job, legacy-job', region: R })
    expect(r.outputs.result).toBe('ok')
    expect(r.jobs.map(j => [j.http_status, j.findings])).toEqual([
      [200, []],
      [200, []]
    ])
    expect(r.summary).toContain(`INGRESS\\_TRAFFIC\\_INTERNAL\\_ONLY (admits Cloud Scheduler from ${P})`)
  })

  it('an internal-only function in another project than the job: blocker, explained, nothing written', async () => {
    const OTHER = 'acme-shared'
    const url = functionUrl(OTHER, R, 'reports')
    const s = world(s => {
      s.projects.push(deployerProject(OTHER, '444455556666', DEPLOYER))
      s.functions!.push(
        gen1Function(OTHER, R, 'reports', { ingressSettings: 'ALLOW_INTERNAL_ONLY', iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(INVOKER))) })
      )
      job(s, 'legacy-job').httpTarget = { uri: url, httpMethod: 'POST', oidcToken: { serviceAccountEmail: INVOKER, audience: url } }
    })
    const r = await act(s, { mode: 'fix', job: 'legacy-job', region: R })
    expect(r.outputs.result).toBe('failed')
    expect(r.outputs.http_status).toBe('404')
    expect(r.jobs[0].findings.map(f => f.check)).toEqual(['target.ingress'])
    expect(r.summary).toContain('| ❌ | Ingress | ALLOW\\_INTERNAL\\_ONLY (the job is in project acme-prod, the target in acme-shared) |')
    expect(r.summary).toContain('Cause: Ingress (above).')
    expect(r.summary).toMatch(/Create the job in acme-shared/)
    expect(writes(r.fake)).toEqual([])
  })

  it('a paused job is a warning: the result stays ok and the test run still triggers', async () => {
    const s = world(s => {
      job(s, 'legacy-job').state = 'PAUSED'
    })
    const r = await act(s, { mode: 'verify', job: 'legacy-job', region: R })
    expect(r.outputs.result).toBe('ok')
    expect(r.outputs.http_status).toBe('200')
    expect(r.stdout).toMatch(/::warning title=legacy-job%3A Job state::/)
  })

  it('UPDATE_FAILED is a blocker', async () => {
    const s = world(s => {
      job(s, 'legacy-job').state = 'UPDATE_FAILED'
    })
    const r = await act(s, { mode: 'verify', job: 'legacy-job', region: R, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(r.jobs[0].findings[0]).toMatchObject({ check: 'job.state', found: 'UPDATE_FAILED' })
  })

  it('a URI that points at another function than the one named: blocker, and the job it really calls is left alone', async () => {
    const other = functionUrl(P, 'europe-west1', 'legacy')
    const s = world(s => {
      // A job that works against the function it calls: its audience is that function's URL.
      job(s, 'legacy-job').httpTarget = {
        uri: other,
        httpMethod: 'POST',
        oidcToken: { serviceAccountEmail: `other-invoker@${P}.iam.gserviceaccount.com`, audience: other }
      }
    })
    const r = await act(s, { mode: 'fix', job: 'legacy-job', function: 'legacy', region: R, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(r.jobs[0].findings.map(f => f.check)).toEqual(['job.uri'])
    expect(r.changes).toEqual([])
    expect(r.fake.requests.filter(q => q.method === 'PATCH' || q.path.endsWith(':setIamPolicy'))).toEqual([])
    expect(r.fake.getJob(`projects/${P}/locations/${R}/jobs/legacy-job`)!.httpTarget!.oidcToken!.audience).toBe(other)
  })

  it('an OIDC token on a job calling a Google API: blocker naming --oauth-service-account-email', async () => {
    const s = world(s => {
      job(s, 'legacy-job').httpTarget!.uri = `https://pubsub.googleapis.com/v1/projects/${P}/topics/reports:publish`
    })
    const r = await act(s, { mode: 'verify', job: 'legacy-job', region: R, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(JSON.stringify(r.jobs[0].findings)).toMatch(/--oauth-service-account-email/)
  })

  it('no token on the job and no invoker_service_account: blocker naming the input', async () => {
    const s = world(s => {
      delete job(s, 'legacy-job').httpTarget!.oidcToken
    })
    const r = await act(s, { mode: 'fix', job: 'legacy-job', region: R, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(r.summary).toMatch(/invoker\\_service\\_account/)
  })

  it('a target that answers 500: authentication is fine, the step still fails and says so', async () => {
    const s = world(s => {
      fn(s, 'legacy').response = { status: 500 }
    })
    const r = await act(s, { mode: 'verify', job: 'legacy-job', region: R })
    expect(r.outputs.result).toBe('failed')
    expect(r.outputs.http_status).toBe('500')
    expect(r.jobs[0].findings).toEqual([])
    expect(r.summary).toMatch(/authentication passed/)
  })

  it('a coarse status.code (UNKNOWN) on the job: the exact 403 comes from the execution log', async () => {
    const s = world(s => {
      s.settings!.coarseStatus = true
      fn(s, 'legacy').iamPolicy = policy()
    })
    const r = await act(s, { mode: 'verify', job: 'legacy-job', region: R })
    expect(r.fake.getJob(jobName('legacy-job')).status?.code).toBe(2)
    expect(r.outputs.http_status).toBe('403')
    expect(r.summary).toMatch(/HTTP 403 \(from the execution log\)/)
  })

  it('an invoker role on the project counts (inherited) and is not duplicated', async () => {
    const s = world(s => {
      fn(s, 'legacy').iamPolicy = policy()
      s.projects[0].iamPolicy!.bindings!.push(binding('roles/cloudfunctions.invoker', sa(INVOKER)))
    })
    const r = await act(s, { mode: 'fix', job: 'legacy-job', region: R })
    expect(r.outputs.result).toBe('ok')
    expect(writes(r.fake)).toEqual([])
    expect(r.summary).toMatch(/inherited/)
  })
})
