/**
 * Fidelity proof for what the deep diagnosis reads and what Google refuses: the real gcloud
 * describes, disables and enables a service account, describes a domain mapping and a service
 * with its default URL disabled and IAP on, and has a job update refused for an account of
 * another project and for the Cloud Scheduler service agent.
 */
import { jest } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { binding, policy, runService, sa, startFakeGcp, type FakeGcp, type Scenario } from '../../fake-gcp'
import { Conformance } from './check'
import { loadApi } from './discovery'
import { gcloud, requireGcloud } from './gcloud-helpers'
import { conformanceScenario, DEPLOYER, GEN2_URL, INVOKER, jobName, N, P, R } from './scenario'

jest.setTimeout(120_000)

const OTHER = 'conf-other'
const FOREIGN = `far@${OTHER}.iam.gserviceaccount.com`
const AGENT = `service-${N}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`
const DOMAIN = 'api.example.com'

function scenario(): Scenario {
  const s = conformanceScenario()
  s.projects[0].iamPolicy!.bindings!.push(binding('roles/iam.serviceAccountAdmin', sa(DEPLOYER)))
  s.projects.push({ projectId: OTHER, projectNumber: '444455556666', iamPolicy: policy(binding('roles/owner', sa(DEPLOYER))) })
  s.serviceAccounts!.push({ email: FOREIGN })
  s.serviceAccounts!.find(a => a.email === INVOKER)!.disabled = true
  s.services = [runService(P, R, 'api', { defaultUriDisabled: true, iapEnabled: true })]
  s.domainMappings = [{ project: P, region: R, domain: DOMAIN, service: 'api' }]
  return s
}

let fake: FakeGcp
let env: Record<string, string>

beforeAll(() => requireGcloud())
beforeEach(async () => {
  fake = await startFakeGcp(scenario())
  env = fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'conf-diag-')))
})
afterEach(async () => fake.close())

const reg = ['--region', R]
const sent = (method: string, re: RegExp) => fake.requests.filter(r => r.method === method && re.test(r.path))
const failure = async (args: string[]): Promise<string> => {
  const e = (await gcloud(env, args).then(
    () => undefined,
    (err: unknown) => err
  )) as { stderr?: string } | undefined
  if (!e) throw new Error(`gcloud ${args.join(' ')} succeeded`)
  return e.stderr ?? ''
}

test('iam service-accounts describe shows disabled; enable, describe, disable, describe', async () => {
  const d = await gcloud(env, ['iam', 'service-accounts', 'describe', INVOKER])
  expect(d.json).toMatchObject({ email: INVOKER, disabled: true, projectId: P })
  await gcloud(env, ['iam', 'service-accounts', 'enable', INVOKER])
  expect((await gcloud(env, ['iam', 'service-accounts', 'describe', INVOKER])).json.disabled).toBeUndefined()
  expect(fake.state.serviceAccount(INVOKER)!.disabled).toBe(false)
  await gcloud(env, ['iam', 'service-accounts', 'disable', INVOKER])
  expect((await gcloud(env, ['iam', 'service-accounts', 'describe', INVOKER])).json.disabled).toBe(true)
  expect(sent('POST', /serviceAccounts\/[^/]+:(disable|enable)$/).map(r => r.path.split(':').at(-1))).toEqual(['enable', 'disable'])
})

test('beta run domain-mappings describe and list (the command is beta only)', async () => {
  const d = await gcloud(env, ['beta', 'run', 'domain-mappings', 'describe', '--domain', DOMAIN, ...reg])
  expect(d.json).toMatchObject({ kind: 'DomainMapping', metadata: { name: DOMAIN }, spec: { routeName: 'api' } })
  const l = await gcloud(env, ['beta', 'run', 'domain-mappings', 'list', ...reg])
  expect(l.json.map((m: { metadata: { name: string } }) => m.metadata.name)).toEqual([DOMAIN])
  // gcloud uses the namespace form on the regional endpoint
  expect(sent('GET', /domainmappings/).map(r => r.path)).toEqual([
    `/apis/domains.cloudrun.com/v1/namespaces/${P}/domainmappings/${DOMAIN}`,
    `/apis/domains.cloudrun.com/v1/namespaces/${P}/domainmappings`
  ])
})

test('run services describe carries the default-URL-disabled and IAP annotations; its report prints "Iap Enabled: true"', async () => {
  const d = await gcloud(env, ['run', 'services', 'describe', 'api', ...reg])
  expect(d.json.metadata.annotations).toMatchObject({ 'run.googleapis.com/default-url-disabled': 'true', 'run.googleapis.com/iap-enabled': 'true' })
  // gcloud's own printer (no --format): IAP from the annotation; it prints nothing for the disabled default URL
  const text = await new Promise<string>((resolve, reject) =>
    execFile(
      process.env.GCLOUD_BIN ?? 'gcloud',
      ['run', 'services', 'describe', 'api', ...reg],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (e, out) => (e ? reject(e) : resolve(out))
    )
  )
  expect(text).toMatch(/Iap Enabled:\s+true/)
})

test.each([
  ["another project's account", FOREIGN, 'must be within the same project as the job'],
  ['the Cloud Scheduler service agent', AGENT, 'Cloud Scheduler service agent']
])('scheduler jobs update http --oidc-service-account-email with %s is refused, the job unchanged', async (_t, email, text) => {
  const before = fake.getJob(jobName('legacy-report'))
  const stderr = await failure(['scheduler', 'jobs', 'update', 'http', 'legacy-report', '--location', R, '--oidc-service-account-email', email])
  expect(stderr).toContain('INVALID_ARGUMENT')
  expect(stderr).toContain(text)
  expect(fake.getJob(jobName('legacy-report'))).toEqual(before)
})

test('a disabled account is accepted by scheduler jobs update http (it fails at run time)', async () => {
  await gcloud(env, ['scheduler', 'jobs', 'update', 'http', 'nightly-report', '--location', R, '--oidc-service-account-email', INVOKER])
  expect(fake.getJob(jobName('nightly-report')).httpTarget!.oidcToken!.serviceAccountEmail).toBe(INVOKER)
})

test('scheduler jobs create http: refused for the service agent, created for an account of the project', async () => {
  const create = (id: string, email: string): string[] => [
    'scheduler',
    'jobs',
    'create',
    'http',
    id,
    '--location',
    R,
    '--schedule',
    '0 1 * * *',
    '--uri',
    GEN2_URL,
    '--oidc-service-account-email',
    email
  ]
  const stderr = await failure(create('refused-job', AGENT))
  expect(stderr).toContain('Cloud Scheduler service agent')
  expect(fake.state.jobs.has(jobName('refused-job'))).toBe(false)
  const made = await gcloud(env, create('new-job', INVOKER))
  expect(made.json).toMatchObject({ name: jobName('new-job'), state: 'ENABLED', httpTarget: { uri: GEN2_URL, oidcToken: { serviceAccountEmail: INVOKER } } })
  expect(fake.getJob(jobName('new-job')).schedule).toBe('0 1 * * *')
})

test("the answers the action reads match gcloud's response messages field by field", async () => {
  const caller = fake.tokenFor(sa(DEPLOYER))
  const get = (path: string): Promise<Response> => fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${caller}` } })
  const paths = [
    `v1/projects/${P}/serviceAccounts/${INVOKER}`,
    `v1/projects/${P}/locations/${R}/domainmappings`,
    `v1/projects/${P}/locations/${R}/domainmappings/${DOMAIN}`,
    `v2/projects/${P}/locations/${R}/services/api`
  ]
  for (const p of paths) expect((await get(p)).status).toBe(200)
  const conformance = new Conformance([loadApi('iam', 'v1'), loadApi('run', 'v1'), loadApi('run', 'v2')])
  const checked = fake.requests.filter(r => paths.some(p => r.path === `/${p}`)).map(r => conformance.checkRequest(r))
  expect(checked).toHaveLength(paths.length)
  expect(checked.flatMap(c => c.violations)).toEqual([])
  expect(checked.map(c => c.method?.id)).toEqual([
    'iam.projects.serviceAccounts.get',
    'run.projects.locations.domainmappings.list',
    'run.projects.locations.domainmappings.get',
    'run.projects.locations.services.get'
  ])
})
