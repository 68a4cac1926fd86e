/* eslint-disable @typescript-eslint/no-explicit-any -- resources as gcloud prints them */
/**
 * Fidelity proof for the resource hierarchy, IAM v2 deny policies and Policy Troubleshooter:
 * the real gcloud reads folders, the organization, their policies, the project's ancestry and
 * deny policies, and asks the troubleshooter, against the stand-in; every request it sends and
 * every answer is then checked against gcloud's generated clients.
 */
import { jest } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { binding, deployerProject, policy, runService, sa, startFakeGcp, type FakeGcp, type Scenario } from '../../fake-gcp'
import { Conformance, type Violation } from './check'
import { loadApi } from './discovery'
import { gcloud, requireGcloud } from './gcloud-helpers'

jest.setTimeout(120_000)

const P = 'conf-hier'
const N = '271828182845'
const R = 'us-central1'
const ORG = '123456789012'
const TEAM = '444455556666'
const APPS = '777788889999'
const DEPLOYER = `deployer@${P}.iam.gserviceaccount.com`
const AUDITOR = `auditor@${P}.iam.gserviceaccount.com`
const INVOKER = `invoker@${P}.iam.gserviceaccount.com`
const BLOCKED = `blocked@${P}.iam.gserviceaccount.com`
const SVC = `//run.googleapis.com/projects/${P}/locations/${R}/services/api`
const ATTACH = `cloudresourcemanager.googleapis.com/projects/${P}`
const DENY_NAME = `policies/cloudresourcemanager.googleapis.com%2Fprojects%2F${N}/denypolicies/no-invoke`
const v2sa = (email: string): string => `principal://iam.googleapis.com/projects/-/serviceAccounts/${email}`

function scenario(): Scenario {
  return {
    organization: {
      id: ORG,
      displayName: 'example.com',
      iamPolicy: policy(
        binding('roles/iam.securityReviewer', sa(DEPLOYER)),
        binding('roles/iam.denyReviewer', sa(DEPLOYER)),
        binding('roles/resourcemanager.organizationViewer', sa(DEPLOYER)),
        binding('roles/resourcemanager.folderViewer', sa(DEPLOYER))
      )
    },
    folders: [
      { id: TEAM, parent: `organizations/${ORG}`, displayName: 'team', iamPolicy: policy(binding('roles/run.invoker', sa(INVOKER), sa(BLOCKED))) },
      { id: APPS, parent: `folders/${TEAM}`, displayName: 'apps' }
    ],
    projects: [
      {
        ...deployerProject(P, N, sa(DEPLOYER), binding('roles/viewer', sa(AUDITOR))),
        parent: `folders/${APPS}`,
        denyPolicies: [
          {
            id: 'no-invoke',
            displayName: 'No invoking for blocked',
            rules: [
              {
                description: 'blocked may not call services',
                denyRule: { deniedPrincipals: [v2sa(BLOCKED)], deniedPermissions: ['run.googleapis.com/routes.invoke'], exceptionPrincipals: [v2sa(INVOKER)] }
              }
            ]
          }
        ]
      }
    ],
    services: [runService(P, R, 'api')],
    caller: sa(DEPLOYER)
  }
}

let fake: FakeGcp
let env: Record<string, string>
let conformance: Conformance

beforeAll(() => {
  requireGcloud()
  conformance = new Conformance([
    loadApi('cloudresourcemanager', 'v1'),
    loadApi('cloudresourcemanager', 'v2'),
    loadApi('cloudresourcemanager', 'v3'),
    loadApi('iam', 'v2'),
    loadApi('policytroubleshooter', 'v3')
  ])
})
beforeEach(async () => {
  fake = await startFakeGcp(scenario())
  env = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-hier-')))
})
afterEach(async () => {
  // whatever gcloud sent and the stand-in answered conforms to gcloud's own clients
  const violations: Violation[] = []
  for (const rec of fake.requests) {
    const c = conformance.checkRequest(rec)
    violations.push(...c.violations)
    if (c.method && rec.status >= 200 && rec.status < 300) violations.push(...conformance.checkResponse(rec, c.method))
  }
  await fake.close()
  expect(violations.map(v => `${v.request} (${v.method}): ${v.what} — ${v.description}`)).toEqual([])
})

const sent = () => fake.requests.map(r => `${r.method} ${r.path} ${r.status}`)

describe('Resource Manager: the hierarchy above the project', () => {
  test('projects describe shows the folder parent', async () => {
    const d = await gcloud(env, ['projects', 'describe', P])
    expect(d.json).toMatchObject({ projectId: P, projectNumber: N, parent: { type: 'folder', id: APPS } })
  })

  test('resource-manager folders describe and get-iam-policy', async () => {
    const d = await gcloud(env, ['resource-manager', 'folders', 'describe', APPS])
    expect(d.json).toMatchObject({ name: `folders/${APPS}`, parent: `folders/${TEAM}`, displayName: 'apps' })
    const p = await gcloud(env, ['resource-manager', 'folders', 'get-iam-policy', TEAM])
    expect(p.json.bindings).toEqual([{ role: 'roles/run.invoker', members: [sa(INVOKER), sa(BLOCKED)] }])
    expect(sent()).toEqual([`GET /v2/folders/${APPS} 200`, `POST /v2/folders/${TEAM}:getIamPolicy 200`])
  })

  test('organizations describe and get-iam-policy', async () => {
    const d = await gcloud(env, ['organizations', 'describe', ORG])
    expect(d.json).toMatchObject({ name: `organizations/${ORG}`, displayName: 'example.com', lifecycleState: 'ACTIVE' })
    const p = await gcloud(env, ['organizations', 'get-iam-policy', ORG])
    expect(p.json.bindings.map((b: any) => b.role)).toEqual([
      'roles/iam.securityReviewer',
      'roles/iam.denyReviewer',
      'roles/resourcemanager.organizationViewer',
      'roles/resourcemanager.folderViewer'
    ])
    expect(sent()).toEqual([`GET /v1/organizations/${ORG} 200`, `POST /v1/organizations/${ORG}:getIamPolicy 200`])
  })

  test('a caller without resourcemanager.folders.getIamPolicy is refused (gcloud shows Resource Manager’s 403)', async () => {
    const e2 = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-hier-')), { member: sa(AUDITOR) })
    await expect(gcloud(e2, ['resource-manager', 'folders', 'get-iam-policy', TEAM])).rejects.toThrow(/does not have permission/)
    expect(sent()).toEqual([`POST /v2/folders/${TEAM}:getIamPolicy 403`])
  })

  test('projects get-ancestors-iam-policy --include-deny walks getAncestry, every allow policy and the deny policies', async () => {
    const r = await gcloud(env, ['projects', 'get-ancestors-iam-policy', P, '--include-deny'])
    const ids = (r.json as any[]).map(x => `${x.type} ${x.id}`)
    expect(ids).toEqual(expect.arrayContaining([`project ${P}`, `folder ${APPS}`, `folder ${TEAM}`, `organization ${ORG}`]))
    expect(sent()).toContain(`POST /v1/projects/${P}:getAncestry 200`)
    const team = (r.json as any[]).find(x => x.id === TEAM)
    expect(team.policy.bindings).toEqual([{ role: 'roles/run.invoker', members: [sa(INVOKER), sa(BLOCKED)] }])
  })
})

describe('IAM v2 deny policies', () => {
  test('iam policies list answers the policy without its rules; the name carries the project number', async () => {
    // gcloud prints the ListPoliciesResponse as it came
    const l = await gcloud(env, ['iam', 'policies', 'list', `--attachment-point=${ATTACH}`, '--kind=denypolicies'])
    expect(l.json.policies).toHaveLength(1)
    expect(l.json.policies[0]).toMatchObject({ name: DENY_NAME, kind: 'DenyPolicy', displayName: 'No invoking for blocked' })
    expect(l.json.policies[0].rules).toBeUndefined()
    // gcloud encodes the attachment point's %2F again (%252F): one decoding leaves %2F
    expect(sent()).toEqual([`GET /v2/policies/cloudresourcemanager.googleapis.com%2Fprojects%2F${P}/denypolicies 200`])
  })

  test('iam policies get answers the rules', async () => {
    const g = await gcloud(env, ['iam', 'policies', 'get', 'no-invoke', `--attachment-point=${ATTACH}`, '--kind=denypolicies'])
    expect(g.json).toMatchObject({
      name: DENY_NAME,
      kind: 'DenyPolicy',
      rules: [
        {
          description: 'blocked may not call services',
          denyRule: { deniedPrincipals: [v2sa(BLOCKED)], deniedPermissions: ['run.googleapis.com/routes.invoke'] }
        }
      ]
    })
  })

  test('the project number names the same attachment point; a folder without policies lists none', async () => {
    const l = await gcloud(env, ['iam', 'policies', 'list', `--attachment-point=cloudresourcemanager.googleapis.com/projects/${N}`, '--kind=denypolicies'])
    expect(l.json.policies.map((p: any) => p.name)).toEqual([DENY_NAME])
    const f = await gcloud(env, ['iam', 'policies', 'list', `--attachment-point=cloudresourcemanager.googleapis.com/folders/${TEAM}`, '--kind=denypolicies'])
    expect(f.json?.policies).toBeUndefined()
  })
})

describe('Policy Troubleshooter', () => {
  const troubleshoot = (e: Record<string, string>, principal: string) =>
    gcloud(e, ['policy-intelligence', 'troubleshoot-policy', 'iam', SVC, `--principal-email=${principal}`, '--permission=run.routes.invoke'])

  test('CAN_ACCESS: the folder binding grants run.routes.invoke and the deny rule excepts the invoker', async () => {
    const r = await troubleshoot(env, INVOKER)
    expect(r.json.overallAccessState).toBe('CAN_ACCESS')
    expect(r.json.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
    expect(r.json.denyPolicyExplanation.denyAccessState).toBe('DENY_ACCESS_STATE_NOT_DENIED')
    expect(sent()).toEqual(['POST /v3/iam:troubleshoot 200'])
  })

  test('CANNOT_ACCESS: the deny rule on the project names the account', async () => {
    const r = await troubleshoot(env, BLOCKED)
    expect(r.json.overallAccessState).toBe('CANNOT_ACCESS')
    const project = r.json.denyPolicyExplanation.explainedResources[0]
    expect(project).toMatchObject({ denyAccessState: 'DENY_ACCESS_STATE_DENIED', fullResourceName: `//cloudresourcemanager.googleapis.com/projects/${N}` })
    expect(project.explainedPolicies[0].policy.name).toBe(DENY_NAME)
  })

  test('UNKNOWN_INFO: a caller who may read only the project’s policies', async () => {
    const e2 = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-hier-')), { member: sa(AUDITOR) })
    const r = await troubleshoot(e2, INVOKER)
    expect(r.json.overallAccessState).toBe('UNKNOWN_INFO')
    expect(r.json.allowPolicyExplanation.allowAccessState).toBe('ALLOW_ACCESS_STATE_UNKNOWN_INFO')
  })
})
