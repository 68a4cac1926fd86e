/**
 * Deep diagnosis, end to end: the bundled action against the stand-in, one case of the contract
 * at a time — the 403s whose bindings look right, and the repairs Google would refuse.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { binding, policy, sa } from '../../fake-gcp/scenario'
import { act, AGENT, API_URL, closeAll, INVOKER, job, members, P, R, service, svcName, world, writes, type Run } from './world'

afterAll(closeAll)

const API = svcName('api')
const finding = (r: Run, check: string) => r.jobs[0].findings.find(f => f.check === check)
const withAccount = (edit: (a: { email: string; disabled?: boolean; uniqueId?: string }) => void) =>
  world(s => {
    edit(s.serviceAccounts!.find(a => a.email === INVOKER)!)
  })

describe('the invoker account', () => {
  it('disabled: a blocker with the enable command; the attempt fails and the cause is the account; fix enables nothing', async () => {
    const s = withAccount(a => (a.disabled = true))
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('failed')
    expect(finding(v, 'account.health')).toMatchObject({ severity: 'error', found: `${INVOKER} is disabled` })
    expect(v.summary.split('\n')[0]).toBe(`## ❌ failed: \`api-job\`: Invoker account health — ${INVOKER} is disabled; fix it by hand (command below)`)
    expect(v.summary).toContain(`gcloud iam service-accounts enable ${INVOKER} --project ${P}`)

    const f = await act(
      withAccount(a => (a.disabled = true)),
      { mode: 'fix', job: 'api-job', region: R, test_run: 'false' }
    )
    expect(f.outputs.result).toBe('failed')
    expect(writes(f.fake)).toEqual([])
    expect(f.fake.requests.filter(q => /:enable$/.test(q.path))).toEqual([])
  })

  it('the Scheduler service agent as invoker_service_account: nothing written at all (Google refuses the job update, so no grant is left behind)', async () => {
    const agent = AGENT.replace(/^serviceAccount:/, '')
    const r = await act(
      world(() => {}),
      { mode: 'fix', job: 'api-job', region: R, invoker_service_account: agent, test_run: 'false' }
    )
    expect(r.outputs.result).toBe('failed')
    expect(finding(r, 'account.health')).toMatchObject({ severity: 'error', found: `${agent} is the Cloud Scheduler service agent` })
    expect(writes(r.fake)).toEqual([])
    expect(members(r.fake, API, 'roles/run.invoker')).not.toContain(AGENT)
  })

  it('an account of another project as invoker_service_account: nothing written, the blocker names the rule', async () => {
    const foreign = 'invoker@shared-proj.iam.gserviceaccount.com'
    const s = world(s => {
      s.projects.push({ projectId: 'shared-proj', projectNumber: '999988887777', iamPolicy: policy() })
      s.serviceAccounts!.push({ email: foreign, iamPolicy: policy(binding('roles/iam.serviceAccountUser', s.caller)) })
    })
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: foreign, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(finding(r, 'account.health')).toMatchObject({ severity: 'error', found: `${foreign} belongs to project shared-proj` })
    expect(writes(r.fake)).toEqual([])
  })

  it('deleted and recreated: the old binding is explained, fix grants the live account, keeps the deleted member, and the attempt passes', async () => {
    const dead = `deleted:serviceAccount:${INVOKER}?uid=104000000000000000001`
    const s = world(s => {
      service(s, 'api').iamPolicy = policy(binding('roles/run.invoker', dead))
      s.serviceAccounts!.find(a => a.email === INVOKER)!.uniqueId = '104000000000000000777'
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('failed')
    expect(v.outputs.http_status).toBe('403')
    expect(finding(v, 'iam.invoker')!.found).toContain(`bound only as ${dead}: the account was deleted and recreated`)

    const f = await act(s, { mode: 'fix', job: 'api-job', region: R })
    expect(f.outputs.result).toBe('fixed')
    expect(f.changes).toEqual([expect.objectContaining({ kind: 'iam.invoker', resource: API, after: { role: 'roles/run.invoker', member: sa(INVOKER) } })])
    expect(members(f.fake, API, 'roles/run.invoker')).toEqual(expect.arrayContaining([dead, sa(INVOKER)]))
    expect(f.outputs.http_status).toBe('200')
  })
})

describe("Cloud Run's front door", () => {
  it('defaultUriDisabled with a run.app URI: a blocker; the 404 is explained by it', async () => {
    const s = world(s => {
      service(s, 'api').defaultUriDisabled = true
    })
    const r = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(r.outputs.result).toBe('failed')
    expect(r.outputs.http_status).toBe('404')
    expect(finding(r, 'target.url')).toMatchObject({ severity: 'error' })
    expect(r.summary).toContain(`gcloud beta run services update api --project ${P} --region ${R} --default-url`)
    expect(r.summary).toMatch(/Cause: Default URL \(above\)\./)
  })

  it('IAP in front of the service: a warning naming the IAP role; a refused attempt is put down to it', async () => {
    const s = world(s => {
      service(s, 'api').iapEnabled = true
    })
    const r = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(finding(r, 'target.iap')).toMatchObject({ severity: 'warning' })
    expect(r.outputs.result).toBe('failed')
    expect(['401', '403']).toContain(r.outputs.http_status)
    expect(r.summary).toContain('Cause: Identity-Aware Proxy (above).')
    // IAP answers before IAM is asked: the Troubleshooter, which reads IAM, is not asked.
    expect(r.fake.requests.filter(q => q.path.includes('iam:troubleshoot'))).toEqual([])
  })

  it('a custom domain mapped to the service: recognised as the service, its audience set to the run.app origin, and the attempt passes', async () => {
    const s = world(s => {
      s.domainMappings = [{ project: P, region: R, domain: 'api.acme.example', service: 'api' }]
      const h = job(s, 'api-job').httpTarget!
      h.uri = 'https://api.acme.example/tasks/run'
      h.oidcToken!.audience = 'https://api.acme.example'
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R, test_run: 'false' })
    expect(v.jobs[0].target).toBe(API)
    // Findings list what is not ok: the URI is the service's.
    expect(finding(v, 'job.uri')).toBeUndefined()
    expect(finding(v, 'job.audience')).toMatchObject({ severity: 'error', found: 'https://api.acme.example' })

    const f = await act(s, { mode: 'fix', job: 'api-job', region: R })
    expect(f.outputs.result).toBe('fixed')
    expect(f.changes).toEqual([expect.objectContaining({ kind: 'job.oidc', after: { serviceAccountEmail: INVOKER, audience: new URL(API_URL).origin } })])
    expect(f.outputs.http_status).toBe('200')
  })
})
