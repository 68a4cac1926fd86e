/**
 * The bundled action against Cloud Run jobs and workflows called by Scheduler through Google
 * APIs (OAuth): each cause of a 401/403 repaired and proven, what it cannot fix explained, and
 * executions followed to their end.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { binding, cloudRunJob, legacyRunJobUri, oauthJob, policy, runJobUri, sa, workflow, workflowExecutionsUri, type Scenario } from '../../fake-gcp/scenario'
import { act, closeAll, DEPLOYER, healthy, INVOKER, jobName, members, N, P, R, writes } from './world'

afterAll(closeAll)

const RUN_JOB = `projects/${P}/locations/${R}/jobs/etl`
const OTHER_RUN_JOB = `projects/${P}/locations/${R}/jobs/other-etl`
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

/** The healthy world plus a Cloud Run job and a workflow, each run by a working Scheduler job. */
function apiWorld(edit: (s: Scenario) => void = () => {}): Scenario {
  const s = healthy()
  s.projects[0].iamPolicy!.bindings!.push(binding('roles/workflows.invoker', sa(INVOKER)), binding('roles/workflows.viewer', DEPLOYER))
  s.cloudRunJobs = [
    cloudRunJob(P, R, 'etl', { iamPolicy: policy(binding('roles/run.invoker', sa(INVOKER))) }),
    cloudRunJob(P, R, 'other-etl', { iamPolicy: policy() })
  ]
  s.workflows = [workflow(P, R, 'sync')]
  s.jobs!.push(
    oauthJob(P, R, 'etl-job', runJobUri(P, R, 'etl'), INVOKER, { body: '{}' }),
    oauthJob(P, R, 'sync-job', workflowExecutionsUri(P, R, 'sync'), INVOKER, { body: '{"argument":"{}"}' })
  )
  edit(s)
  return s
}

const sjob = (s: Scenario, id: string) => s.jobs!.find(j => j.name === jobName(id))!
const runJob = (s: Scenario, id: string) => s.cloudRunJobs!.find(j => j.name === `projects/${P}/locations/${R}/jobs/${id}`)!
const fix = (jobId: string, extra: Record<string, string> = {}) => ({ mode: 'fix', job: jobId, region: R, project_id: P, ...extra })
const verify = (jobId: string, extra: Record<string, string> = {}) => ({ ...fix(jobId, extra), mode: 'verify' })

describe('Cloud Run jobs: each cause repaired and proven with a 200', () => {
  it('an OIDC token on a Cloud Run job URL (401): replaced by an OAuth token, nothing else on the job rewritten', async () => {
    const s = apiWorld(s => {
      const h = sjob(s, 'etl-job').httpTarget!
      delete h.oauthToken
      h.oidcToken = { serviceAccountEmail: INVOKER, audience: runJobUri(P, R, 'etl') }
    })
    const before = await act(s, verify('etl-job'))
    expect(before.outputs.result).toBe('failed')
    expect(before.jobs[0].http_status).toBe(401)
    expect(before.jobs[0].findings.map(f => f.check)).toContain('job.token')

    const r = await act(before.fake, fix('etl-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(r.changes).toEqual([
      { job: jobName('etl-job'), resource: jobName('etl-job'), kind: 'job.oauth', before: null, after: { serviceAccountEmail: INVOKER, scope: CLOUD_PLATFORM } }
    ])
    const after = r.fake.getJob(jobName('etl-job'))
    expect(after.httpTarget?.oidcToken).toBeUndefined()
    expect(after.httpTarget?.oauthToken).toEqual({ serviceAccountEmail: INVOKER, scope: CLOUD_PLATFORM })
    expect(after.httpTarget?.body).toBe(Buffer.from('{}').toString('base64'))
    const patch = writes(r.fake).find(w => w.method === 'PATCH')!
    expect(new URLSearchParams(patch.query).get('updateMask')).toBe('httpTarget.oauthToken.serviceAccountEmail,httpTarget.oauthToken.scope')
  })

  it('no token at all: set, then 200', async () => {
    const s = apiWorld(s => delete sjob(s, 'etl-job').httpTarget!.oauthToken)
    const r = await act(s, fix('etl-job', { invoker_service_account: INVOKER }))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(r.changes.map(c => c.kind)).toEqual(['job.oauth'])
  })

  it('a scope that does not cover the API (403): only the scope is rewritten', async () => {
    const s = apiWorld(s => (sjob(s, 'etl-job').httpTarget!.oauthToken!.scope = 'https://www.googleapis.com/auth/pubsub'))
    const r = await act(s, fix('etl-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    const patch = writes(r.fake).find(w => w.method === 'PATCH')!
    expect(new URLSearchParams(patch.query).get('updateMask')).toBe('httpTarget.oauthToken.scope')
  })

  it('a GET where the API needs POST: explained with the --http-method fix, nothing written, the run fails', async () => {
    const s = apiWorld(s => (sjob(s, 'etl-job').httpTarget!.httpMethod = 'GET'))
    const r = await act(s, fix('etl-job'))
    expect(r.outputs.result).toBe('failed')
    expect(r.code).not.toBe(0)
    expect(writes(r.fake)).toEqual([])
    const method = r.jobs[0].findings.find(f => f.check === 'job.method')!
    expect(method).toMatchObject({ severity: 'error', found: 'GET' })
    expect(r.summary).toContain('--http-method POST')
  })

  it('the role missing on the job (403): roles/run.invoker granted on the Cloud Run job, then 200', async () => {
    const s = apiWorld(s => (runJob(s, 'etl').iamPolicy = policy(binding('roles/run.viewer', sa(INVOKER)))))
    const r = await act(s, fix('etl-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(members(r.fake, RUN_JOB, 'roles/run.invoker')).toEqual([sa(INVOKER)])
    expect(members(r.fake, RUN_JOB, 'roles/run.viewer')).toEqual([sa(INVOKER)])
    expect(r.changes).toEqual([
      { job: jobName('etl-job'), resource: RUN_JOB, kind: 'iam.invoker', before: null, after: { role: 'roles/run.invoker', member: sa(INVOKER) } }
    ])
  })

  it('the role on the wrong resource (another Cloud Run job): granted on the job the URI runs', async () => {
    const s = apiWorld(s => {
      runJob(s, 'etl').iamPolicy = policy()
      runJob(s, 'other-etl').iamPolicy = policy(binding('roles/run.invoker', sa(INVOKER)))
    })
    const r = await act(s, fix('etl-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(members(r.fake, RUN_JOB, 'roles/run.invoker')).toEqual([sa(INVOKER)])
    expect(writes(r.fake).map(w => w.path)).not.toContain(`/v2/${OTHER_RUN_JOB}:setIamPolicy`)
  })

  it('a body with overrides: roles/run.invoker is not enough, roles/run.jobsExecutorWithOverrides is granted', async () => {
    const body = JSON.stringify({ overrides: { taskCount: 2 } })
    const s = apiWorld(s => (sjob(s, 'etl-job').httpTarget!.body = Buffer.from(body).toString('base64')))
    const before = await act(s, verify('etl-job'))
    expect(before.jobs[0].http_status).toBe(403)
    // A failing test attempt outranks drift (contract: result precedence).
    expect(before.outputs.result).toBe('failed')
    expect(before.jobs[0].findings.find(f => f.check === 'iam.invoker')?.severity).toBe('error')

    const r = await act(before.fake, fix('etl-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(members(r.fake, RUN_JOB, 'roles/run.jobsExecutorWithOverrides')).toEqual([sa(INVOKER)])
  })

  it('the project number and the legacy regional URL are the same job: healthy, no change', async () => {
    const s = apiWorld(s => {
      s.jobs!.push(oauthJob(P, R, 'etl-by-number', runJobUri(N, R, 'etl'), INVOKER), oauthJob(P, R, 'etl-legacy', legacyRunJobUri(P, R, 'etl'), INVOKER))
    })
    const r = await act(s, verify('etl-by-number,etl-legacy'))
    expect(r.outputs.result).toBe('ok')
    expect(r.jobs.map(j => [j.target, j.http_status])).toEqual([
      [RUN_JOB, 200],
      [RUN_JOB, 200]
    ])
  })
})

describe('Workflows', () => {
  it('roles/workflows.invoker missing: granted on the project (Workflows has no per-workflow IAM), then 200', async () => {
    const s = apiWorld(s => {
      const b = s.projects[0].iamPolicy!.bindings!.find(x => x.role === 'roles/workflows.invoker')!
      b.members = []
    })
    const r = await act(s, fix('sync-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.outputs.http_status).toBe('200')
    expect(members(r.fake, `projects/${P}`, 'roles/workflows.invoker')).toEqual([sa(INVOKER)])
    // Every other binding of the project policy is kept.
    expect(members(r.fake, `projects/${P}`, 'roles/workflows.viewer')).toEqual([DEPLOYER])
  })
})

describe('await_execution: a 200 only created the execution; its end decides', () => {
  it('an execution that fails after a 200 attempt fails the step and quotes its error', async () => {
    const s = apiWorld(s => (runJob(s, 'etl').timeline = { pendingMs: 20, runMs: 100, outcome: 'FAILED', error: 'Task etl-abc-0 failed: exit code 3' }))
    const r = await act(s, verify('etl-job', { await_execution: 'true' }))
    expect(r.outputs.result).toBe('failed')
    expect(r.outputs.http_status).toBe('200')
    const out = JSON.parse(r.outputs.jobs) as { execution?: { name: string; state: string } }[]
    expect(out[0].execution?.state).toBe('EXECUTION_FAILED')
    expect(out[0].execution?.name).toMatch(new RegExp(`^${RUN_JOB}/executions/`))
    expect(r.summary).toContain('exit code 3')
  })

  it('an execution still running at the timeout fails the step and says so', async () => {
    const s = apiWorld(s => (runJob(s, 'etl').timeline = { pendingMs: 20, runMs: 600_000 }))
    const r = await act(s, verify('etl-job', { await_execution: 'true', timeout: '6' }))
    expect(r.outputs.result).toBe('failed')
    expect(r.summary).toContain('still running at the timeout')
  })

  it('a succeeding Cloud Run execution and workflow execution pass, named with their final state', async () => {
    const r = await act(apiWorld(), verify('etl-job,sync-job', { await_execution: 'true' }))
    expect(r.outputs.result).toBe('ok')
    const out = JSON.parse(r.outputs.jobs) as { execution?: { state: string } }[]
    expect(out.map(j => j.execution?.state)).toEqual(['EXECUTION_SUCCEEDED', 'SUCCEEDED'])
  })

  it("without await_execution the outputs keep v1's shape (no execution key)", async () => {
    const r = await act(apiWorld(), verify('etl-job'))
    expect(r.outputs.result).toBe('ok')
    expect(Object.keys(JSON.parse(r.outputs.jobs)[0])).not.toContain('execution')
  })
})

describe("job: '*' audits include Cloud Run jobs and workflows", () => {
  it('every HTTP job of the location, each against the target its URI calls', async () => {
    const r = await act(apiWorld(), { mode: 'verify', job: '*', location: R, project_id: P, test_run: 'false' })
    expect(r.outputs.result).toBe('ok')
    expect(r.jobs.find(j => j.job === jobName('etl-job'))?.target).toBe(RUN_JOB)
    expect(r.jobs.find(j => j.job === jobName('sync-job'))?.target).toBe(`projects/${P}/locations/${R}/workflows/sync`)
  })
})
