/** The README's least-privilege role lists are enough: verify and fix succeed with exactly those roles. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { binding, policy } from '../../fake-gcp/scenario'
import { act, closeAll, DEPLOYER, INVOKER, job, OTHER_SA, P, R, service, world, writes } from './world'

afterAll(closeAll)

const VERIFY_ROLES = [
  'roles/cloudscheduler.viewer',
  'roles/cloudscheduler.jobRunner',
  'roles/cloudfunctions.viewer',
  'roles/run.viewer',
  'roles/iam.securityReviewer',
  'roles/browser',
  'roles/logging.viewer'
]
const FIX_ROLES = [...VERIFY_ROLES, 'roles/cloudscheduler.admin', 'roles/cloudfunctions.admin', 'roles/run.admin', 'roles/resourcemanager.projectIamAdmin']

/** The world with the caller holding exactly `roles` on the project (and actAs on the invoker accounts when `actAs`). */
const withRoles = (roles: string[], actAs: boolean, edit: Parameters<typeof world>[0] = () => {}) =>
  world(s => {
    s.projects[0].iamPolicy!.bindings = [
      ...s.projects[0].iamPolicy!.bindings!.filter(b => !b.members.includes(DEPLOYER)),
      ...roles.map(r => binding(r, DEPLOYER))
    ]
    if (!actAs) for (const a of s.serviceAccounts!) if (a.email === INVOKER || a.email === OTHER_SA) a.iamPolicy = policy()
    edit(s)
  })

/**
 * The reads of the deep diagnosis, which the caller may be refused: they become notes naming the
 * permission, never a failure. Everything else must be allowed by the README's roles.
 */
const DIAGNOSIS_READ = /^\/v2\/policies\/.*\/denypolicies|^\/v3\/(organizations|folders)\/[^/]+:getIamPolicy$|^\/v1\/projects\/-\/serviceAccounts\/[^/:]+$/
const refused = (r: Awaited<ReturnType<typeof act>>) => r.fake.requests.filter(q => q.status === 403)
/** The roles README's "complete diagnosis" table adds, on the organization (above every folder and project). */
const DIAGNOSIS_ROLES = ['roles/iam.securityReviewer', 'roles/iam.denyReviewer', 'roles/iam.serviceAccountViewer']

describe('least privilege', () => {
  it('verify of every job, with test runs and exact statuses from the log, needs only the verify roles', async () => {
    const r = await act(withRoles(VERIFY_ROLES, false), { mode: 'verify', job: '*', location: R, project_id: P, test_run: 'true' })
    expect(r.outputs.result).toBe('ok')
    expect(r.jobs.map(j => j.http_status)).toEqual([200, 200, 200])
    expect(r.summary).not.toMatch(/inferred/)
    // Only the diagnosis's own reads are refused, and the report says what each would have shown.
    expect(refused(r).filter(q => !DIAGNOSIS_READ.test(q.path))).toEqual([])
    const kind = (path: string): string =>
      path.includes('/denypolicies') ? 'deny policies' : path.endsWith(':getIamPolicy') ? 'organization policy' : 'invoker account'
    expect([...new Set(refused(r).map(q => kind(q.path)))].sort()).toEqual(['deny policies', 'invoker account', 'organization policy'])
    expect(r.summary).toContain('Not seen by this run')
    for (const permission of ['iam.denypolicies.list', 'resourcemanager.organizations.getIamPolicy', 'iam.serviceAccounts.get'])
      expect(r.summary).toContain(permission)
  })

  it('with the complete-diagnosis roles on the organization, nothing at all is refused and nothing is left unseen', async () => {
    const s = withRoles(VERIFY_ROLES, false, s => {
      s.organization = { id: '111111111111', iamPolicy: policy(...DIAGNOSIS_ROLES.map(r => binding(r, DEPLOYER))) }
    })
    const r = await act(s, { mode: 'verify', job: '*', location: R, project_id: P, test_run: 'false' })
    expect(r.outputs.result).toBe('ok')
    expect(refused(r)).toEqual([])
    expect(r.summary).not.toContain('Not seen by this run')
  })

  it('a repair needs only the fix roles plus roles/iam.serviceAccountUser on the invoker account', async () => {
    const s = withRoles(FIX_ROLES, true, s => {
      delete job(s, 'api-job').httpTarget!.oidcToken
      service(s, 'api').iamPolicy = policy()
      s.projects[0].iamPolicy!.bindings = s.projects[0].iamPolicy!.bindings!.filter(b => b.role !== 'roles/cloudscheduler.serviceAgent')
    })
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER })
    expect(r.outputs.result).toBe('fixed')
    expect(r.changes.map(c => c.kind).sort()).toEqual(['iam.invoker', 'iam.service_agent', 'job.oidc'])
    expect(refused(r).filter(q => !DIAGNOSIS_READ.test(q.path))).toEqual([])
    expect(r.fake.getPolicy(`projects/${P}`).bindings!.some(b => b.role === 'roles/run.invoker')).toBe(false)
  })

  it('without roles/iam.serviceAccountUser on the invoker account: nothing written, and the role named', async () => {
    const s = withRoles(FIX_ROLES, false, s => {
      delete job(s, 'api-job').httpTarget!.oidcToken
    })
    const r = await act(s, { mode: 'fix', job: 'api-job', region: R, invoker_service_account: INVOKER, test_run: 'false' })
    expect(r.outputs.result).toBe('failed')
    expect(writes(r.fake)).toEqual([])
    expect(r.stdout).toMatch(
      /iam\.serviceAccounts\.actAs on serviceAccounts\/invoker@acme-prod\.iam\.gserviceaccount\.com \(grant roles\/iam\.serviceAccountUser\)/
    )
  })
})
