/** The bundled action in fix mode against the stand-in: one scenario per cause of a 401/403. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { binding, policy, sa } from '../../fake-gcp/scenario'
import {
  act,
  AGENT,
  API_URL,
  closeAll,
  fn,
  fnName,
  GEN1_URL,
  GEN2_URL,
  INVOKER,
  job,
  jobName,
  members,
  OTHER_SA,
  P,
  R,
  service,
  svcName,
  world,
  writes
} from './world'

afterAll(closeAll)

const fix = (jobId: string, extra: Record<string, string> = {}) => ({ mode: 'fix', job: jobId, region: R, project_id: P, ...extra })

describe('fix mode repairs each cause and proves it with a 200', () => {
  it('gen 2 function: no OIDC token, and the account was given roles/cloudfunctions.invoker on the function (the classic wrong fix)', async () => {
    const s = world(s => {
      delete job(s, 'nightly-job').httpTarget!.oidcToken
      service(s, 'nightly').iamPolicy = policy()
      fn(s, 'nightly').iamPolicy = policy(binding('roles/cloudfunctions.invoker', sa(INVOKER)))
    })
    const r = await act(s, fix('nightly-job', { invoker_service_account: INVOKER }))
    expect(r.outputs.result).toBe('fixed')
    expect(r.code).toBe(0)
    expect(r.outputs.http_status).toBe('200')
    const j = r.fake.getJob(jobName('nightly-job'))
    expect(j.httpTarget!.oidcToken).toEqual({ serviceAccountEmail: INVOKER, audience: GEN2_URL })
    expect(j.schedule).toBe('0 3 * * *')
    expect(Buffer.from(j.httpTarget!.body!, 'base64').toString()).toBe('{"report":"nightly"}')
    expect(j.httpTarget!.headers).toEqual({ 'Content-Type': 'application/json' })
    expect(members(r.fake, svcName('nightly'), 'roles/run.invoker')).toEqual([sa(INVOKER)])
    const patch = r.fake.requests.find(q => q.method === 'PATCH')!
    expect(new URLSearchParams(patch.query).get('updateMask')!.split(',').sort()).toEqual([
      'httpTarget.oidcToken.audience',
      'httpTarget.oidcToken.serviceAccountEmail'
    ])
    expect(r.jobs[0].findings.map(f => f.check).sort()).toEqual(['iam.invoker', 'job.audience', 'job.service_account', 'job.token'])
    expect(r.jobs[0].findings.find(f => f.check === 'iam.invoker')!.found).toMatch(/cloudfunctions\.invoker on the gen 2 function/)
    expect(r.changes.map(c => c.kind).sort()).toEqual(['iam.invoker', 'job.oidc'])
    expect(r.summary).toMatch(/HTTP 200 \(from the execution log\)/)
  })

  it('OAuth token where OIDC is needed: replaced by an OIDC token for the same account', async () => {
    const s = world(s => {
      job(s, 'api-job').httpTarget!.oidcToken = undefined
      job(s, 'api-job').httpTarget!.oauthToken = { serviceAccountEmail: INVOKER, scope: 'https://www.googleapis.com/auth/cloud-platform' }
    })
    const r = await act(s, fix('api-job'))
    expect(r.outputs.result).toBe('fixed')
    const t = r.fake.getJob(jobName('api-job')).httpTarget!
    expect(t.oidcToken).toEqual({ serviceAccountEmail: INVOKER, audience: API_URL })
    expect(t.oauthToken).toBeUndefined()
    expect(r.outputs.http_status).toBe('200')
  })

  it('wrong service account: only serviceAccountEmail is in the update mask, and the new account gets the role', async () => {
    const s = world(s => {
      job(s, 'api-job').httpTarget!.oidcToken = { serviceAccountEmail: OTHER_SA, audience: API_URL }
    })
    const r = await act(s, fix('api-job', { invoker_service_account: INVOKER }))
    expect(r.outputs.result).toBe('fixed')
    const patch = r.fake.requests.find(q => q.method === 'PATCH')!
    expect(new URLSearchParams(patch.query).get('updateMask')).toBe('httpTarget.oidcToken.serviceAccountEmail')
    expect(r.changes).toEqual([
      {
        job: jobName('api-job'),
        resource: jobName('api-job'),
        kind: 'job.oidc',
        before: { serviceAccountEmail: OTHER_SA, audience: API_URL },
        after: { serviceAccountEmail: INVOKER, audience: API_URL }
      }
    ])
  })

  it.each([
    ['Cloud Run audience with a path', 'api-job', `${API_URL}/tasks/run`, API_URL],
    ['gen 1 audience that is the bare host', 'legacy-job', `https://${R}-${P}.cloudfunctions.net`, GEN1_URL],
    ['Cloud Run empty audience (defaults to the URI, path and query included)', 'api-job', '', API_URL]
  ])('%s: the audience is set to what the target accepts', async (_name, id, bad, good) => {
    const s = world(s => {
      job(s, id).httpTarget!.oidcToken = { serviceAccountEmail: INVOKER, ...(bad ? { audience: bad } : {}) }
    })
    const before = await act(s, { mode: 'verify', job: id, region: R })
    expect(before.outputs.result).toBe('failed') // drift, and today's attempt returns 401
    expect(before.outputs.http_status).toBe('401')
    expect(writes(before.fake)).toEqual([])
    const r = await act(before.fake, fix(id))
    expect(r.outputs.result).toBe('fixed')
    expect(r.fake.getJob(jobName(id)).httpTarget!.oidcToken!.audience).toBe(good)
    expect(r.outputs.http_status).toBe('200')
  })

  it('invoker role held by the Scheduler service agent instead of the job account: granted to the job account', async () => {
    const s = world(s => {
      service(s, 'api').iamPolicy = policy(binding('roles/run.invoker', AGENT))
    })
    const r = await act(s, fix('api-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.jobs[0].findings[0].found).toMatch(/service agent/)
    expect(members(r.fake, svcName('api'), 'roles/run.invoker').sort()).toEqual([AGENT, sa(INVOKER)].sort())
  })

  it('gen 1: roles/cloudfunctions.invoker missing on the function is granted there', async () => {
    const s = world(s => {
      fn(s, 'legacy').iamPolicy = policy(binding('roles/cloudfunctions.viewer', sa(OTHER_SA)))
    })
    const r = await act(s, fix('legacy-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(members(r.fake, fnName('legacy'), 'roles/cloudfunctions.invoker')).toEqual([sa(INVOKER)])
    expect(members(r.fake, fnName('legacy'), 'roles/cloudfunctions.viewer')).toEqual([sa(OTHER_SA)])
  })

  it('the Scheduler service agent lost its role: granted once on the project', async () => {
    const s = world(s => {
      s.projects[0].iamPolicy!.bindings = s.projects[0].iamPolicy!.bindings!.filter(b => b.role !== 'roles/cloudscheduler.serviceAgent')
    })
    const r = await act(s, fix('legacy-job,nightly-job,api-job'))
    expect(r.outputs.result).toBe('fixed')
    expect(r.changes.filter(c => c.kind === 'iam.service_agent')).toEqual([
      {
        job: jobName('legacy-job'),
        resource: `projects/${P}`,
        kind: 'iam.service_agent',
        before: null,
        after: { role: 'roles/cloudscheduler.serviceAgent', member: AGENT }
      }
    ])
    expect(members(r.fake, `projects/${P}`, 'roles/cloudscheduler.serviceAgent')).toEqual([AGENT])
    expect(r.jobs.map(j => j.http_status)).toEqual([200, 200, 200])
  })

  it('a second run over the repaired state changes nothing', async () => {
    const s = world(s => {
      delete job(s, 'nightly-job').httpTarget!.oidcToken
      service(s, 'nightly').iamPolicy = policy()
    })
    const first = await act(s, fix('nightly-job', { invoker_service_account: INVOKER }))
    expect(first.outputs.result).toBe('fixed')
    const writesBefore = writes(first.fake).length
    const second = await act(first.fake, fix('nightly-job', { invoker_service_account: INVOKER }))
    expect(second.outputs.result).toBe('ok')
    expect(second.changes).toEqual([])
    expect(writes(second.fake).length).toBe(writesBefore)
  })

  it('three jobs on one target: one IAM policy write', async () => {
    const s = world(s => {
      service(s, 'api').iamPolicy = policy()
      const base = job(s, 'api-job')
      for (const id of ['api-job-2', 'api-job-3']) s.jobs!.push({ ...structuredClone(base), name: jobName(id) })
    })
    const r = await act(s, { mode: 'fix', service: 'api', region: R, project_id: P })
    expect(r.outputs.result).toBe('fixed')
    expect(r.jobs.map(j => j.job)).toEqual([jobName('api-job'), jobName('api-job-2'), jobName('api-job-3')])
    expect(r.fake.requests.filter(q => q.path.endsWith(`${svcName('api')}:setIamPolicy`))).toHaveLength(1)
    expect(r.changes.filter(c => c.kind === 'iam.invoker')).toHaveLength(1)
    expect(r.jobs.every(j => j.http_status === 200)).toBe(true)
  })
})
