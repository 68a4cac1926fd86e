/** The registry is the one list of APIs: the action's APIs are all served, and every override the stand-in exports is needed. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { APIS } from '../../src/google/endpoints'
import { binding, httpJob, policy, sa, startFakeGcp, type FakeGcp } from '../../fake-gcp'
import { apiOfHost, buildRoutes, GCLOUD_ONLY_APIS, loaders, MODULES, roleTable, servedApis } from '../../fake-gcp/apis'
import { Attempts } from '../../fake-gcp/attempts'
import { BASIC_ROLES, RoleTable } from '../../fake-gcp/roles'
import { compileTemplate, match, route } from '../../fake-gcp/router'
import { FakeState } from '../../fake-gcp/state'

const P = 'reg-proj'
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)

let fake: FakeGcp | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

test('every API the action calls is served by exactly one registered module', () => {
  for (const api of APIS) expect(MODULES.filter(m => m.apis.includes(api)).map(m => m.name)).toHaveLength(1)
  // one owner per API, so a Scheduler attempt to <api>.googleapis.com meets one module's routes
  const all = MODULES.flatMap(m => m.apis)
  expect(new Set(all).size).toBe(all.length)
})

test('every override the stand-in exports is one the action knows or gcloud needs', async () => {
  fake = await startFakeGcp({
    projects: [{ projectId: P, projectNumber: '31', iamPolicy: policy(binding('roles/owner', OWNER)) }],
    wif: { provider: 'projects/31/locations/global/workloadIdentityPools/p/providers/r', repository: 'o/r' },
    caller: OWNER
  })
  const known = new Set<string>([...APIS, ...GCLOUD_ONLY_APIS])
  const dir = mkdtempSync(join(tmpdir(), 'fake-registry-'))
  for (const env of [fake.actionEnv(dir), fake.gcloudEnv(dir)]) {
    const ids = Object.keys(env)
      .filter(k => k.startsWith('CLOUDSDK_API_ENDPOINT_OVERRIDES_'))
      .map(k => k.slice('CLOUDSDK_API_ENDPOINT_OVERRIDES_'.length))
    expect(ids.filter(id => !known.has(id))).toEqual([])
    expect([...ids].sort()).toEqual([...servedApis()].sort())
    for (const api of APIS) expect(env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`]).toBe(fake.url)
  }
})

test('roles: the basic roles are shared, each predefined role belongs to one module', () => {
  const table = roleTable()
  expect(table.known()).toEqual(expect.arrayContaining(Object.keys(BASIC_ROLES)))
  for (const m of MODULES) for (const r of Object.keys(m.roles ?? {})) expect(r).toMatch(/^roles\/[a-z]+\.[A-Za-z]+$/)
  expect(table.grants('roles/run.invoker', 'run.routes.invoke')).toBe(true)
  expect(table.grants('roles/editor', 'run.services.setIamPolicy')).toBe(false)
  expect(table.roleFor('cloudscheduler.jobs.run')).toBe('roles/cloudscheduler.admin')
  expect(() => new RoleTable(BASIC_ROLES, { 'roles/owner': { grants: [] } })).toThrow(/defined twice/)
})

test('route templates: named parameters, a parameter stops at a :verb, {name:re} takes a regex', () => {
  const job = compileTemplate('/v1/projects/{project}/locations/{location}/jobs/{job}')
  expect(job.exec('/v1/projects/p/locations/l/jobs/j')?.groups).toEqual({ project: 'p', location: 'l', job: 'j' })
  expect(job.test('/v1/projects/p/locations/l/jobs/j:run')).toBe(false)
  const fn = compileTemplate('/{version:v1|v2}/projects/{project}/locations/{location}/functions/{function}:getIamPolicy')
  expect(fn.exec('/v2/projects/p/locations/l/functions/f:getIamPolicy')?.groups).toMatchObject({ version: 'v2', function: 'f' })
  expect(fn.test('/v3/projects/p/locations/l/functions/f:getIamPolicy')).toBe(false)
  // literal dots are literal
  expect(compileTemplate('/apis/serving.knative.dev/v1').test('/apis/servingXknative.dev/v1')).toBe(false)
  expect(match([route('GET', '/a/{x}', () => 1)], 'GET', '/a/b')?.params).toEqual({ x: 'b' })
  expect(() => compileTemplate('/a/{x')).toThrow(/unclosed/)
})

test('every route is tagged with its module’s APIs and scopes; no two routes match one path', () => {
  const state = new FakeState({ projects: [], caller: OWNER }, roleTable(), loaders())
  const routes = buildRoutes({ state, attempts: new Attempts(state, () => Promise.reject(new Error('unused'))) })
  for (const r of routes) expect(r.scopes).toContain('https://www.googleapis.com/auth/cloud-platform')
  // route order then cannot matter, and a path belongs to one module
  for (const r of routes) {
    const sample = r.template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_, _name: string, re?: string) => (re ? re.split('|')[0] : 'x1'))
    expect([r.method, sample, routes.filter(o => o.method === r.method && o.pattern.test(sample)).length]).toEqual([r.method, sample, 1])
  }
  expect(routes.find(r => r.template === '/v2/entries:list')?.apis).toEqual(['LOGGING'])
  expect(routes.find(r => r.template === '/v1/projects/{project}/locations/{location}/jobs/{job}:run')?.apis).toEqual(['CLOUDSCHEDULER'])
})

test('apiOfHost: <id>.googleapis.com and regional hosts name the API; look-alikes do not', () => {
  expect(apiOfHost('cloudscheduler.googleapis.com')).toBe('CLOUDSCHEDULER')
  expect(apiOfHost('us-central1-run.googleapis.com')).toBe('RUN')
  expect(apiOfHost('googleapis.com.evil.example')).toBeUndefined()
  expect(apiOfHost('example.com')).toBeUndefined()
})

test('a scenario loads through the modules in registry order (projects first, gen 2 services before other services)', async () => {
  fake = await startFakeGcp({
    projects: [{ projectId: P, projectNumber: '31', iamPolicy: policy(binding('roles/owner', OWNER)) }],
    functions: [{ name: `projects/${P}/locations/us-central1/functions/f2`, environment: 'GEN_2' }],
    services: [{ name: `projects/${P}/locations/us-central1/services/s` }, { name: `projects/${P}/locations/us-central1/services/f2`, customAudiences: ['x'] }],
    jobs: [httpJob(P, 'us-central1', 'j', 'https://example.com', { oauth: { serviceAccountEmail: `acct@${P}.iam.gserviceaccount.com` } })],
    caller: OWNER
  })
  expect([...fake.state.services.keys()]).toEqual([`projects/${P}/locations/us-central1/services/f2`, `projects/${P}/locations/us-central1/services/s`])
  expect(fake.state.services.get(`projects/${P}/locations/us-central1/services/f2`)).toMatchObject({
    functionName: `projects/${P}/locations/us-central1/functions/f2`,
    spec: { customAudiences: ['x'] }
  })
  expect(fake.state.serviceAccount(`acct@${P}.iam.gserviceaccount.com`)).toMatchObject({ project: P })
  await expect(
    startFakeGcp({ projects: [], jobs: [], functions: [{ name: 'projects/nope/locations/r/functions/f', environment: 'GEN_1' }], caller: OWNER })
  ).rejects.toThrow(/unknown project nope/)
})
