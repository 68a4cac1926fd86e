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

  it('an account that does not exist as invoker_service_account: a blocker naming the input, nothing written', async () => {
    const ghost = `ghost@${P}.iam.gserviceaccount.com`
    const inputs = { mode: 'fix', job: 'api-job', region: R, invoker_service_account: ghost, test_run: 'false' }
    // A caller who may read the project's accounts learns it is gone before anything is written.
    const reader = world(s => s.projects[0].iamPolicy!.bindings!.push(binding('roles/iam.serviceAccountViewer', s.caller)))
    const r = await act(reader, inputs)
    expect(r.outputs.result).toBe('failed')
    expect(finding(r, 'account.health')).toMatchObject({ severity: 'error', found: `${ghost} does not exist (deleted, or never created)` })
    expect(r.summary).toContain("Set 'invoker\\_service\\_account' to a service account of acme-prod")
    expect(writes(r.fake)).toEqual([])
    // One who may not still writes nothing: the permission preflight meets the missing account first.
    const blind = await act(
      world(() => {}),
      inputs
    )
    expect(blind.outputs.result).toBe('failed')
    expect(blind.stdout).toMatch(/::error::Failed to test permissions on service account ghost@acme-prod\.iam\.gserviceaccount\.com: \(404\)/)
    expect(writes(blind.fake)).toEqual([])
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

const ORG = '7'
const FOLDER = '42'
const SA_PRINCIPAL = `principal://iam.googleapis.com/projects/-/serviceAccounts/${INVOKER}`
/** The project under folders/42 under organizations/7; the caller may read their policies (and deny policies) when `reader`. */
const underFolder = (opts: { reader?: boolean; folderRoles?: string[] }, edit: (s: Parameters<Parameters<typeof world>[0]>[0]) => void = () => {}) =>
  world(s => {
    const readers = opts.reader ? [binding('roles/iam.securityReviewer', s.caller), binding('roles/iam.denyReviewer', s.caller)] : []
    s.organization = { id: ORG, iamPolicy: policy(...readers) }
    s.folders = [{ id: FOLDER, parent: `organizations/${ORG}`, iamPolicy: policy(...(opts.folderRoles ?? []).map(r => binding(r, sa(INVOKER)))) }]
    s.projects[0].parent = `folders/${FOLDER}`
    edit(s)
  })

describe('grants above the project', () => {
  it('a grant on a folder counts: verify is ok, fix adds no redundant grant, the attempt passes', async () => {
    const s = underFolder({ reader: true, folderRoles: ['roles/run.invoker'] }, s => {
      service(s, 'api').iamPolicy = policy()
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('ok')
    expect(v.summary).toContain(`| Invoker role | roles/run.invoker on folders/${FOLDER} (inherited) |`)
    const f = await act(s, { mode: 'fix', job: 'api-job', region: R })
    expect(f.outputs.result).toBe('ok')
    expect(writes(f.fake)).toEqual([])
    expect(f.outputs.http_status).toBe('200')
  })

  it('a folder the caller cannot read: the finding says what was not seen, the report names the permission, and the refused reads fail nothing', async () => {
    const s = underFolder({ folderRoles: ['roles/run.invoker'] }, s => {
      service(s, 'api').iamPolicy = policy()
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('drift')
    expect(finding(v, 'iam.invoker')!.found).toBe(`missing; not seen: a grant on folders/${FOLDER}, organizations/${ORG} (policy not readable)`)
    expect(v.summary).toMatch(/<details><summary>ℹ️ Not seen by this run \(\d\)<\/summary>/)
    expect(v.summary).toContain(
      `The allow policy of folders/${FOLDER} was not read (the caller lacks resourcemanager.folders.getIamPolicy (roles/iam.securityReviewer))`
    )
    // Google's grant works all the same.
    expect(v.outputs.http_status).toBe('200')
  })
})

describe('deny policies', () => {
  const denyInvoke = (principals: string[], extra: Record<string, unknown> = {}) => [
    {
      id: 'no-invoke',
      displayName: 'No invoke',
      rules: [{ description: 'freeze', denyRule: { deniedPrincipals: principals, deniedPermissions: ['run.googleapis.com/routes.invoke'], ...extra } }]
    }
  ]

  it('a rule denying the account: a blocker naming policy and rule; the 403 is put down to it; fix changes nothing there', async () => {
    const s = underFolder({ reader: true }, s => {
      s.folders![0].denyPolicies = denyInvoke([SA_PRINCIPAL])
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('failed')
    expect(v.outputs.http_status).toBe('403')
    expect(finding(v, 'iam.deny')!.found).toBe(
      `denied by policies/cloudresourcemanager.googleapis.com%2Ffolders%2F${FOLDER}/denypolicies/no-invoke ("No invoke") rule 1: freeze`
    )
    expect(v.summary).toContain('Cause: Deny policies (above).')
    expect(v.summary).toContain(
      `gcloud iam policies get no-invoke --project ${P} --attachment-point cloudresourcemanager.googleapis.com/folders/${FOLDER} --kind denypolicies`
    )
    const f = await act(s, { mode: 'fix', job: 'api-job', region: R, test_run: 'false' })
    expect(f.outputs.result).toBe('failed')
    expect(writes(f.fake)).toEqual([])
  })

  it('a rule naming a group: "may apply", a warning that fails nothing while the attempt passes', async () => {
    const s = underFolder({ reader: true }, s => {
      s.projects[0].denyPolicies = denyInvoke(['principalSet://goog/group/contractors@acme.example'])
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(finding(v, 'iam.deny')).toMatchObject({ severity: 'warning' })
    expect(finding(v, 'iam.deny')!.found).toMatch(/^may apply: .*principalSet:\/\/goog\/group\/contractors@acme\.example/)
    expect(v.outputs.http_status).toBe('200')
    expect(v.outputs.result).toBe('ok')
  })

  it('a 403 no finding explains: Policy Troubleshooter is asked once, and its verdict is quoted', async () => {
    // A deny rule on the organization the caller cannot read: nothing the action sees explains the 403.
    const s = underFolder({}, s => {
      s.organization!.denyPolicies = denyInvoke([SA_PRINCIPAL])
    })
    const v = await act(s, { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('failed')
    expect(v.outputs.http_status).toBe('403')
    const asked = v.fake.requests.filter(q => q.path.endsWith('/v3/iam:troubleshoot'))
    expect(asked.map(q => q.body)).toEqual([
      { accessTuple: { principal: INVOKER, fullResourceName: `//run.googleapis.com/${API}`, permission: 'run.routes.invoke' } }
    ])
    expect(finding(v, 'iam.troubleshooter')!.found).toMatch(
      /^(CANNOT_ACCESS|UNKNOWN_INFO); allow: ALLOW_ACCESS_STATE_GRANTED .*; deny: DENY_ACCESS_STATE_(DENIED|UNKNOWN_INFO)/
    )
    expect(v.summary.split('\n')[0]).toContain('Policy Troubleshooter')
  })

  it('a healthy run asks the Troubleshooter nothing', async () => {
    const v = await act(underFolder({ reader: true }), { mode: 'verify', job: 'api-job', region: R })
    expect(v.outputs.result).toBe('ok')
    expect(v.fake.requests.filter(q => q.path.includes('iam:troubleshoot'))).toEqual([])
  })
})
