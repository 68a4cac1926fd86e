/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are asserted field by field */
/**
 * The resource hierarchy above projects (folders, the organization), IAM v2 deny policies and
 * Policy Troubleshooter: inheritance and denial reach API calls and Scheduler's attempts alike.
 */
import {
  binding,
  cloudRunJob,
  defaultRunUrls,
  gen1Function,
  httpJob,
  oauthJob,
  policy,
  runJobUri,
  runService,
  sa,
  schedulerAgent,
  startFakeGcp,
  type DenyPolicySpec,
  type FakeGcp,
  type Scenario
} from '../../fake-gcp'
import { call } from './helpers'

const P = 'hier-proj'
const N = '314159265358'
const R = 'us-central1'
const ORG = '123456789012'
const TEAM = '444455556666' // folder under the organization
const APPS = '777788889999' // folder under TEAM, parent of the project
const INV = `inv@${P}.iam.gserviceaccount.com`
const OTHER = `other@${P}.iam.gserviceaccount.com`
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)
const REVIEWER = sa(`reviewer@${P}.iam.gserviceaccount.com`)
const SVC_URL = defaultRunUrls(P, N, R, 'svc')[0]
const G1 = `https://${R}-${P}.cloudfunctions.net/g1`
const v2sa = (email: string): string => `principal://iam.googleapis.com/projects/-/serviceAccounts/${email}`
const denyInvoke = (id: string, rule: DenyPolicySpec['rules'][number]['denyRule']): DenyPolicySpec => ({
  id,
  displayName: `deny ${id}`,
  rules: [{ description: 'no invoking', denyRule: rule }]
})

interface Opts {
  org?: Scenario['organization']
  team?: Partial<NonNullable<Scenario['folders']>[number]>
  apps?: Partial<NonNullable<Scenario['folders']>[number]>
  projectDeny?: DenyPolicySpec[]
  projectBindings?: ReturnType<typeof binding>[]
}

function scenario(o: Opts = {}): Scenario {
  return {
    organization: { id: ORG, displayName: 'example.com', ...o.org },
    folders: [
      { id: TEAM, parent: `organizations/${ORG}`, displayName: 'team', ...o.team },
      { id: APPS, parent: `folders/${TEAM}`, displayName: 'apps', ...o.apps }
    ],
    projects: [
      {
        projectId: P,
        projectNumber: N,
        parent: `folders/${APPS}`,
        iamPolicy: policy(binding('roles/owner', OWNER), binding('roles/cloudscheduler.serviceAgent', schedulerAgent(N)), ...(o.projectBindings ?? [])),
        denyPolicies: o.projectDeny
      }
    ],
    services: [runService(P, R, 'svc')],
    functions: [gen1Function(P, R, 'g1')],
    cloudRunJobs: [cloudRunJob(P, R, 'etl', { timeline: { pendingMs: 10, runMs: 10 } })],
    jobs: [
      httpJob(P, R, 'svc', SVC_URL, { oidc: { serviceAccountEmail: INV, audience: SVC_URL } }),
      httpJob(P, R, 'svc-other', SVC_URL, { oidc: { serviceAccountEmail: OTHER, audience: SVC_URL } }),
      httpJob(P, R, 'g1', G1, { oidc: { serviceAccountEmail: INV, audience: G1 } }),
      oauthJob(P, R, 'etl', runJobUri(P, R, 'etl'), INV)
    ],
    caller: OWNER,
    settings: { attemptDelayMs: 10, logIngestionDelayMs: 0 }
  }
}

let fake: FakeGcp
afterEach(async () => {
  await fake?.close()
  fake = undefined as unknown as FakeGcp
})

/** Run one Scheduler job and return the attempt's HTTP status. */
async function attempt(s: Scenario, job: string): Promise<number> {
  await fake?.close()
  fake = await startFakeGcp(s)
  const r = await call(fake, 'POST', `v1/projects/${P}/locations/${R}/jobs/${job}:run`, {})
  expect(r.status).toBe(200)
  await fake.idle()
  const fin = fake
    .logEntries()
    .filter(e => String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))
    .at(-1)!
  return Number(fin.httpRequest!.status)
}

describe('inheritance', () => {
  test('the project sits under its folders and the organization: ancestry walks them nearest first', async () => {
    fake = await startFakeGcp(scenario())
    expect(fake.state.ancestry(`projects/${N}/locations/${R}/services/svc`)).toEqual([
      `projects/${N}/locations/${R}/services/svc`,
      `projects/${P}`,
      `folders/${APPS}`,
      `folders/${TEAM}`,
      `organizations/${ORG}`
    ])
    expect(fake.state.ancestry(`folders/${APPS}`)).toEqual([`folders/${APPS}`, `folders/${TEAM}`, `organizations/${ORG}`])
  })

  test('no attempt succeeds without a grant anywhere in the chain', async () => {
    expect(await attempt(scenario(), 'svc')).toBe(403)
  })

  test('roles/run.invoker on a folder two levels up lets the job invoke the service', async () => {
    expect(await attempt(scenario({ team: { iamPolicy: policy(binding('roles/run.invoker', sa(INV))) } }), 'svc')).toBe(200)
  })

  test('roles/cloudfunctions.invoker on the organization lets the job invoke a gen 1 function', async () => {
    expect(await attempt(scenario({ org: { id: ORG, iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(INV))) } }), 'g1')).toBe(200)
  })

  test('roles/run.invoker on the organization lets an OAuth job run a Cloud Run job (a Google API call)', async () => {
    expect(await attempt(scenario({ org: { id: ORG, iamPolicy: policy(binding('roles/run.invoker', sa(INV))) } }), 'etl')).toBe(200)
  })

  test('API calls inherit too: run.services.get from roles/run.viewer on a folder', async () => {
    fake = await startFakeGcp(scenario({ apps: { iamPolicy: policy(binding('roles/run.viewer', REVIEWER)) } }))
    const r = await call(fake, 'GET', `v2/projects/${P}/locations/${R}/services/svc`, undefined, fake.tokenFor(REVIEWER))
    expect(r.status).toBe(200)
  })

  test('a scenario naming an unknown parent is refused', async () => {
    const s = scenario()
    s.projects[0].parent = 'folders/1'
    await expect(startFakeGcp(s)).rejects.toThrow('names unknown parent folders/1')
  })
})

describe('Resource Manager', () => {
  const reader = (extra: Partial<Opts> = {}): Scenario =>
    scenario({
      org: {
        id: ORG,
        iamPolicy: policy(
          binding('roles/iam.securityReviewer', REVIEWER),
          binding('roles/resourcemanager.organizationViewer', REVIEWER),
          binding('roles/resourcemanager.folderViewer', REVIEWER)
        )
      },
      ...extra
    })

  test('v1 and v3 projects.get name the real parent; v1 getAncestry returns the chain bottom up', async () => {
    fake = await startFakeGcp(reader())
    expect((await call(fake, 'GET', `v1/projects/${P}`)).body.parent).toEqual({ type: 'folder', id: APPS })
    expect((await call(fake, 'GET', `v3/projects/${P}`)).body.parent).toBe(`folders/${APPS}`)
    const a = await call(fake, 'POST', `v1/projects/${N}:getAncestry`, {})
    expect(a.status).toBe(200)
    expect(a.body).toEqual({
      ancestor: [
        { resourceId: { type: 'project', id: P } },
        { resourceId: { type: 'folder', id: APPS } },
        { resourceId: { type: 'folder', id: TEAM } },
        { resourceId: { type: 'organization', id: ORG } }
      ]
    })
  })

  test('a project without a parent sits under organizations/111111111111', async () => {
    fake = await startFakeGcp({ projects: [{ projectId: 'plain', projectNumber: '1', iamPolicy: policy(binding('roles/owner', OWNER)) }], caller: OWNER })
    expect((await call(fake, 'GET', 'v3/projects/plain')).body.parent).toBe('organizations/111111111111')
    expect((await call(fake, 'POST', 'v1/projects/plain:getAncestry', {})).body.ancestor.at(-1)).toEqual({
      resourceId: { type: 'organization', id: '111111111111' }
    })
  })

  test('folders and the organization: get and getIamPolicy for a reader granted on the organization', async () => {
    const s = reader({ apps: { iamPolicy: policy(binding('roles/run.invoker', sa(INV))) } })
    fake = await startFakeGcp(s)
    const tok = fake.tokenFor(REVIEWER)
    const f = await call(fake, 'GET', `v3/folders/${APPS}`, undefined, tok)
    expect(f.body).toMatchObject({ name: `folders/${APPS}`, parent: `folders/${TEAM}`, displayName: 'apps', state: 'ACTIVE' })
    const fp = await call(fake, 'POST', `v3/folders/${APPS}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } }, tok)
    expect(fp.body.bindings).toEqual([{ role: 'roles/run.invoker', members: [sa(INV)] }])
    const o = await call(fake, 'GET', `v3/organizations/${ORG}`, undefined, tok)
    expect(o.body).toMatchObject({ name: `organizations/${ORG}`, displayName: 'example.com', state: 'ACTIVE' })
    const op = await call(fake, 'POST', `v3/organizations/${ORG}:getIamPolicy`, {}, tok)
    expect(op.body.bindings.map((b: any) => b.role)).toContain('roles/iam.securityReviewer')
  })

  test('a caller without resourcemanager.folders.getIamPolicy gets 403, as for a folder that does not exist', async () => {
    fake = await startFakeGcp(scenario())
    const tok = fake.tokenFor(REVIEWER)
    for (const path of [`v3/folders/${APPS}:getIamPolicy`, 'v3/folders/1:getIamPolicy', `v3/organizations/${ORG}:getIamPolicy`]) {
      const r = await call(fake, 'POST', path, {}, tok)
      expect(r.status).toBe(403)
      expect(r.body.error).toMatchObject({ status: 'PERMISSION_DENIED', message: 'The caller does not have permission' })
    }
  })

  test('reading a folder policy is deniable: a deny rule on the organization beats roles/iam.securityReviewer', async () => {
    fake = await startFakeGcp(
      reader({
        org: {
          id: ORG,
          iamPolicy: policy(binding('roles/iam.securityReviewer', REVIEWER)),
          denyPolicies: [
            denyInvoke('no-read', {
              deniedPrincipals: [v2sa(REVIEWER.slice(15))],
              deniedPermissions: ['cloudresourcemanager.googleapis.com/folders.getIamPolicy']
            })
          ]
        }
      })
    )
    const tok = fake.tokenFor(REVIEWER)
    expect((await call(fake, 'POST', `v3/folders/${APPS}:getIamPolicy`, {}, tok)).status).toBe(403)
    // the rule names folders only: the project's policy stays readable
    expect((await call(fake, 'POST', `v1/projects/${P}:getIamPolicy`, {}, tok)).status).toBe(200)
  })
})

describe('deny policies', () => {
  const allowed = { team: { iamPolicy: policy(binding('roles/run.invoker', sa(INV), sa(OTHER))) } }

  test('a deny rule on the project blocks the attempt despite the allow binding on a folder', async () => {
    const s = scenario({
      ...allowed,
      projectDeny: [denyInvoke('no-invoke', { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['run.googleapis.com/routes.invoke'] })]
    })
    expect(await attempt(s, 'svc')).toBe(403)
    // the same rule does not name OTHER
    expect(await attempt(s, 'svc-other')).toBe(200)
  })

  test('principalSet://goog/public:all on the organization denies everyone, except an exception principal', async () => {
    const org = {
      id: ORG,
      denyPolicies: [
        denyInvoke('everyone', {
          deniedPrincipals: ['principalSet://goog/public:all'],
          exceptionPrincipals: [v2sa(OTHER)],
          deniedPermissions: ['run.googleapis.com/*.invoke']
        })
      ]
    }
    expect(await attempt(scenario({ ...allowed, org }), 'svc')).toBe(403)
    expect(await attempt(scenario({ ...allowed, org }), 'svc-other')).toBe(200)
  })

  test('an exception permission, a group principal and another service leave the attempt alone', async () => {
    const rules: DenyPolicySpec = {
      id: 'mixed',
      rules: [
        {
          denyRule: {
            deniedPrincipals: [v2sa(INV)],
            deniedPermissions: ['run.googleapis.com/routes.*'],
            exceptionPermissions: ['run.googleapis.com/routes.invoke']
          }
        },
        // the stand-in has no group membership: a group rule never matches
        { denyRule: { deniedPrincipals: [`principalSet://goog/group/ops@example.com`], deniedPermissions: ['run.googleapis.com/routes.invoke'] } },
        { denyRule: { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['cloudfunctions.googleapis.com/functions.invoke'] } }
      ]
    }
    expect(await attempt(scenario({ ...allowed, apps: { denyPolicies: [rules] } }), 'svc')).toBe(200)
  })

  test('a rule with a denialCondition denies (conditions are not evaluated; the stand-in errs towards denial)', async () => {
    const s = scenario({
      ...allowed,
      projectDeny: [
        denyInvoke('cond', { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['run.googleapis.com/routes.invoke'], denialCondition: { expression: 'false' } })
      ]
    })
    expect(await attempt(s, 'svc')).toBe(403)
  })

  test('deny reaches Google API targets: run.googleapis.com/jobs.run denied on a folder', async () => {
    const s = scenario({
      org: { id: ORG, iamPolicy: policy(binding('roles/run.invoker', sa(INV))) },
      apps: { denyPolicies: [denyInvoke('no-jobs', { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['run.googleapis.com/jobs.run'] })] }
    })
    expect(await attempt(s, 'etl')).toBe(403)
  })

  test('IAM v2: list answers metadata without rules, get the whole policy; names use the project number', async () => {
    const spec = denyInvoke('no-invoke', { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['run.googleapis.com/routes.invoke'] })
    fake = await startFakeGcp(scenario({ projectDeny: [spec], org: { id: ORG, iamPolicy: policy(binding('roles/iam.denyReviewer', REVIEWER)) } }))
    const tok = fake.tokenFor(REVIEWER)
    const enc = encodeURIComponent(encodeURIComponent(`cloudresourcemanager.googleapis.com/projects/${P}`))
    const name = `policies/${encodeURIComponent(`cloudresourcemanager.googleapis.com/projects/${N}`)}/denypolicies/no-invoke`
    const l = await call(fake, 'GET', `v2/policies/${enc}/denypolicies`, undefined, tok)
    expect(l.status).toBe(200)
    expect(l.body.policies).toHaveLength(1)
    expect(l.body.policies[0]).toMatchObject({ name, kind: 'DenyPolicy', displayName: 'deny no-invoke' })
    expect(l.body.policies[0].rules).toBeUndefined()
    const g = await call(fake, 'GET', `v2/policies/${enc}/denypolicies/no-invoke`, undefined, tok)
    expect(g.body).toMatchObject({ name, kind: 'DenyPolicy', rules: spec.rules })
    // a folder without deny policies lists nothing
    const f = await call(
      fake,
      'GET',
      `v2/policies/${encodeURIComponent(encodeURIComponent(`cloudresourcemanager.googleapis.com/folders/${TEAM}`))}/denypolicies`,
      undefined,
      tok
    )
    expect(f).toEqual({ status: 200, body: {} })
    expect((await call(fake, 'GET', `v2/policies/${enc}/denypolicies/nope`, undefined, tok)).status).toBe(404)
  })

  test('IAM v2: reading deny policies needs iam.denypolicies.list / .get', async () => {
    fake = await startFakeGcp(
      scenario({ projectDeny: [denyInvoke('x', { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['run.googleapis.com/routes.invoke'] })] })
    )
    const enc = encodeURIComponent(encodeURIComponent(`cloudresourcemanager.googleapis.com/projects/${P}`))
    const l = await call(fake, 'GET', `v2/policies/${enc}/denypolicies`, undefined, fake.tokenFor(REVIEWER))
    expect(l.status).toBe(403)
    expect(l.body.error.details[0].metadata.permission).toBe('iam.denypolicies.list')
    expect((await call(fake, 'GET', `v2/policies/${enc}/denypolicies/x`, undefined, fake.tokenFor(REVIEWER))).status).toBe(403)
  })
})

describe('Policy Troubleshooter', () => {
  const SVC_FULL = `//run.googleapis.com/projects/${P}/locations/${R}/services/svc`
  const ask = (principal: string, fullResourceName = SVC_FULL, permission = 'run.routes.invoke', token = fake.tokenFor(REVIEWER)) =>
    call(fake, 'POST', 'v3/iam:troubleshoot', { accessTuple: { principal, fullResourceName, permission } }, token)
  const reviewerOrg = (extra: ReturnType<typeof binding>[] = []) => ({
    id: ORG,
    iamPolicy: policy(binding('roles/iam.securityReviewer', REVIEWER), binding('roles/iam.denyReviewer', REVIEWER), ...extra)
  })

  test('CAN_ACCESS: the folder binding is GRANTED and no deny policy applies', async () => {
    fake = await startFakeGcp(scenario({ org: reviewerOrg(), team: { iamPolicy: policy(binding('roles/run.invoker', sa(INV))) } }))
    const r = await ask(INV)
    expect(r.status).toBe(200)
    expect(r.body.overallAccessState).toBe('CAN_ACCESS')
    expect(r.body.accessTuple).toMatchObject({
      principal: INV,
      fullResourceName: SVC_FULL,
      permission: 'run.routes.invoke',
      permissionFqdn: 'run.googleapis.com/routes.invoke'
    })
    const allow = r.body.allowPolicyExplanation
    expect(allow.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    expect(allow.explainedPolicies.map((p: any) => [p.fullResourceName, p.allowAccessState])).toEqual([
      [SVC_FULL, 'ALLOW_ACCESS_STATE_NOT_GRANTED'],
      [`//cloudresourcemanager.googleapis.com/projects/${P}`, 'ALLOW_ACCESS_STATE_NOT_GRANTED'],
      [`//cloudresourcemanager.googleapis.com/folders/${APPS}`, 'ALLOW_ACCESS_STATE_NOT_GRANTED'],
      [`//cloudresourcemanager.googleapis.com/folders/${TEAM}`, 'ALLOW_ACCESS_STATE_GRANTED'],
      [`//cloudresourcemanager.googleapis.com/organizations/${ORG}`, 'ALLOW_ACCESS_STATE_NOT_GRANTED']
    ])
    expect(allow.explainedPolicies[3].bindingExplanations[0]).toMatchObject({
      allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
      role: 'roles/run.invoker',
      rolePermission: 'ROLE_PERMISSION_INCLUDED',
      combinedMembership: { membership: 'MEMBERSHIP_MATCHED' }
    })
    expect(r.body.denyPolicyExplanation).toMatchObject({ denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED', permissionDeniable: true })
    expect(r.body.denyPolicyExplanation.explainedResources).toHaveLength(4) // project, two folders, organization
  })

  test('CANNOT_ACCESS: no binding anywhere (ALLOW_ACCESS_STATE_NOT_GRANTED)', async () => {
    fake = await startFakeGcp(scenario({ org: reviewerOrg() }))
    const r = await ask(INV)
    expect(r.body.overallAccessState).toBe('CANNOT_ACCESS')
    expect(r.body.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_NOT_GRANTED')
  })

  test('CANNOT_ACCESS: granted, but a deny rule on the project names the account and the permission', async () => {
    const spec = denyInvoke('no-invoke', { deniedPrincipals: [v2sa(INV)], deniedPermissions: ['run.googleapis.com/routes.invoke'] })
    fake = await startFakeGcp(scenario({ org: reviewerOrg(), team: { iamPolicy: policy(binding('roles/run.invoker', sa(INV))) }, projectDeny: [spec] }))
    const r = await ask(INV)
    expect(r.body.overallAccessState).toBe('CANNOT_ACCESS')
    expect(r.body.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    const deny = r.body.denyPolicyExplanation
    expect(deny.denyAccessState).toBe('DENY_ACCESS_STATE_DENIED')
    const project = deny.explainedResources[0]
    expect(project).toMatchObject({ denyAccessState: 'DENY_ACCESS_STATE_DENIED', fullResourceName: `//cloudresourcemanager.googleapis.com/projects/${N}` })
    expect(project.explainedPolicies[0].policy.name).toBe(`policies/cloudresourcemanager.googleapis.com%2Fprojects%2F${N}/denypolicies/no-invoke`)
    expect(project.explainedPolicies[0].ruleExplanations[0]).toMatchObject({
      denyAccessState: 'DENY_ACCESS_STATE_DENIED',
      combinedDeniedPrincipal: { membership: 'MEMBERSHIP_MATCHED' },
      combinedDeniedPermission: { permissionMatchingState: 'PERMISSION_PATTERN_MATCHED' },
      deniedPrincipals: { [v2sa(INV)]: { membership: 'MEMBERSHIP_MATCHED' } }
    })
  })

  test('UNKNOWN_INFO: the caller may not read the folder policies (ALLOW_ACCESS_STATE_UNKNOWN_INFO, no policy shown)', async () => {
    // the reviewer holds its roles on the project only: folders and the organization are unreadable
    fake = await startFakeGcp(
      scenario({
        team: { iamPolicy: policy(binding('roles/run.invoker', sa(INV))) },
        projectBindings: [binding('roles/iam.securityReviewer', REVIEWER), binding('roles/iam.denyReviewer', REVIEWER)]
      })
    )
    const r = await ask(INV)
    expect(r.body.overallAccessState).toBe('UNKNOWN_INFO')
    expect(r.body.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_UNKNOWN_INFO')
    const team = r.body.allowPolicyExplanation.explainedPolicies[3]
    expect(team).toEqual({
      allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
      fullResourceName: `//cloudresourcemanager.googleapis.com/folders/${TEAM}`,
      relevance: 'HEURISTIC_RELEVANCE_NORMAL'
    })
    expect(r.body.denyPolicyExplanation.denyAccessState).toBe('DENY_ACCESS_STATE_UNKNOWN_INFO')
  })

  test('UNKNOWN_INFO: allowed, but the deny policies cannot be read (no iam.denypolicies.get)', async () => {
    fake = await startFakeGcp(
      scenario({ org: { id: ORG, iamPolicy: policy(binding('roles/iam.securityReviewer', REVIEWER), binding('roles/run.invoker', sa(INV))) } })
    )
    const r = await ask(INV)
    expect(r.body.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    expect(r.body.denyPolicyExplanation.denyAccessState).toBe('DENY_ACCESS_STATE_UNKNOWN_INFO')
    expect(r.body.overallAccessState).toBe('UNKNOWN_INFO')
  })

  test('other resources: a Cloud Run job, a gen 1 function and the project itself, by project number; v2 permissions accepted', async () => {
    fake = await startFakeGcp(scenario({ org: reviewerOrg([binding('roles/run.invoker', sa(INV))]) }))
    expect((await ask(INV, `//run.googleapis.com/projects/${N}/locations/${R}/jobs/etl`, 'run.jobs.run')).body.overallAccessState).toBe('CAN_ACCESS')
    expect(
      (await ask(INV, `//cloudfunctions.googleapis.com/projects/${P}/locations/${R}/functions/g1`, 'cloudfunctions.functions.invoke')).body.overallAccessState
    ).toBe('CANNOT_ACCESS')
    expect((await ask(INV, `//cloudresourcemanager.googleapis.com/projects/${P}`, 'run.googleapis.com/routes.invoke')).body.overallAccessState).toBe(
      'CAN_ACCESS'
    )
  })

  test('UNKNOWN_CONDITIONAL: the only grant is a conditional binding (conditions are never evaluated)', async () => {
    const conditional = { role: 'roles/run.invoker', members: [sa(INV)], condition: { title: 'weekdays', expression: 'request.time.getDayOfWeek() < 5' } }
    fake = await startFakeGcp(scenario({ org: reviewerOrg(), apps: { iamPolicy: { version: 3, bindings: [conditional] } } }))
    const r = await ask(INV)
    expect(r.body.overallAccessState).toBe('UNKNOWN_CONDITIONAL')
    expect(r.body.allowPolicyExplanation.explainedPolicies[2].bindingExplanations[0]).toMatchObject({
      allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL',
      condition: conditional.condition
    })
  })

  test('a Google Account is principal://goog/subject/EMAIL in deny rules', async () => {
    const USER = 'dev@example.com'
    fake = await startFakeGcp(
      scenario({
        org: reviewerOrg([binding('roles/run.invoker', `user:${USER}`), binding('roles/run.viewer', `user:${USER}`)]),
        projectDeny: [
          denyInvoke('user', {
            deniedPrincipals: [`principal://goog/subject/${USER}`],
            deniedPermissions: ['run.googleapis.com/routes.invoke', 'run.googleapis.com/services.get']
          })
        ]
      })
    )
    expect((await ask(USER)).body.overallAccessState).toBe('CANNOT_ACCESS')
    const tok = fake.tokenFor(`user:${USER}`)
    expect((await call(fake, 'GET', `v2/projects/${P}/locations/${R}/services/svc`, undefined, tok)).status).toBe(403)
    // roles/run.viewer still grants what the rule does not name
    expect((await call(fake, 'GET', `v2/projects/${P}/locations/${R}/services`, undefined, tok)).status).toBe(200)
  })

  test('a request without an access tuple is INVALID_ARGUMENT', async () => {
    fake = await startFakeGcp(scenario())
    const r = await call(fake, 'POST', 'v3/iam:troubleshoot', { accessTuple: { principal: INV } })
    expect(r.status).toBe(400)
    expect(r.body.error.status).toBe('INVALID_ARGUMENT')
  })
})
