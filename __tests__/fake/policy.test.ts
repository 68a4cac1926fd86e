import { binding, policy, sa, startFakeGcp, type FakeGcp, type Scenario } from '../../fake-gcp'
import { call } from './helpers'

const P = 'pol-proj'
const ADMIN = sa(`admin@${P}.iam.gserviceaccount.com`)
const COND = { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'until-2030' }
const scenario = (extra: Partial<Scenario> = {}): Scenario => ({
  projects: [
    {
      projectId: P,
      projectNumber: '42',
      iamPolicy: {
        version: 3,
        bindings: [binding('roles/resourcemanager.projectIamAdmin', ADMIN), { role: 'roles/run.invoker', members: ['user:temp@x.example'], condition: COND }]
      }
    }
  ],
  services: [{ name: `projects/${P}/locations/us-central1/services/svc` }],
  caller: ADMIN,
  ...extra
})

let fake: FakeGcp
afterEach(async () => fake?.close())

const get = (v?: number) => call(fake, 'POST', `v1/projects/${P}:getIamPolicy`, v ? { options: { requestedPolicyVersion: v } } : {})
const set = (p: unknown) => call(fake, 'POST', `v1/projects/${P}:setIamPolicy`, { policy: p })

test('no or unknown bearer token → 401 UNAUTHENTICATED in Google’s envelope', async () => {
  fake = await startFakeGcp(scenario())
  for (const token of [null, 'ya29.made-up']) {
    const r = await call(fake, 'POST', `v1/projects/${P}:getIamPolicy`, {}, token)
    expect(r.status).toBe(401)
    expect(r.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' })
  }
  expect(fake.requests).toHaveLength(2)
})

test('without requestedPolicyVersion 3 a conditional binding shows as ROLE_withcond_<hash>, version 1', async () => {
  fake = await startFakeGcp(scenario())
  const v1 = (await get()).body
  expect(v1.version).toBe(1)
  const wc = v1.bindings.find((b: { role: string }) => b.role.startsWith('roles/run.invoker'))
  expect(wc.role).toMatch(/^roles\/run\.invoker_withcond_[0-9a-f]{8}$/)
  expect(wc.condition).toBeUndefined()
  const v3 = (await get(3)).body
  expect(v3.version).toBe(3)
  expect(v3.bindings[1]).toEqual({ role: 'roles/run.invoker', members: ['user:temp@x.example'], condition: COND })
  // writing the placeholder role back is refused
  const back = await set(v1)
  expect(back.status).toBe(400)
  expect(back.body.error.status).toBe('INVALID_ARGUMENT')
})

test('stale etag → 409 ABORTED; fresh etag succeeds and changes the etag', async () => {
  fake = await startFakeGcp(scenario())
  const p = (await get(3)).body
  p.bindings.push(binding('roles/run.invoker', 'user:a@x.example'))
  const ok = await set(p)
  expect(ok.status).toBe(200)
  expect(ok.body.etag).not.toBe(p.etag)
  const stale = await set(p)
  expect(stale.status).toBe(409)
  expect(stale.body.error).toMatchObject({ status: 'ABORTED', message: expect.stringMatching(/^There were concurrent policy changes/) })
})

test('an etag re-encoded in the URL-safe alphabet is the same etag (it is proto bytes)', async () => {
  fake = await startFakeGcp(scenario())
  const p = (await get(3)).body
  expect(p.etag).toMatch(/[+/]/)
  const urlSafe = p.etag.replace(/\+/g, '-').replace(/\//g, '_')
  const wrongBytes = Buffer.from(Buffer.from(p.etag, 'base64').map(b => b ^ 1)).toString('base64')
  expect((await set({ ...p, etag: wrongBytes })).status).toBe(409)
  expect((await set({ ...p, etag: urlSafe })).status).toBe(200)
})

test('conditions need version 3; a blind v1 write without etag drops them, as IAM warns', async () => {
  fake = await startFakeGcp(scenario())
  const v3 = (await get(3)).body
  expect((await set({ ...v3, version: 1 })).status).toBe(400)
  const v1 = (await get()).body
  const blind = { bindings: v1.bindings.filter((b: { role: string }) => !b.role.includes('_withcond_')) }
  expect((await set(blind)).status).toBe(200)
  expect(fake.getPolicy(`projects/${P}`).bindings!.some(b => b.condition)).toBe(false)
})

test('a concurrent writer after the Nth read makes the reader’s write conflict', async () => {
  const svc = `projects/${P}/locations/us-central1/services/svc`
  fake = await startFakeGcp(
    scenario({
      projects: [{ projectId: P, projectNumber: '42', iamPolicy: policy(binding('roles/run.admin', ADMIN)) }],
      concurrentWriters: [{ resource: svc, afterRead: 1, add: { role: 'roles/run.viewer', member: 'user:other@x.example' } }]
    })
  )
  const path = `v2/${svc}`
  const first = (await call(fake, 'GET', `${path}:getIamPolicy?options.requestedPolicyVersion=3`)).body
  expect(first).toEqual({ etag: 'ACAB' })
  const conflict = await call(fake, 'POST', `${path}:setIamPolicy`, { policy: { ...first, bindings: [binding('roles/run.invoker', 'user:a@x.example')] } })
  expect(conflict.status).toBe(409)
  const second = (await call(fake, 'GET', `${path}:getIamPolicy?options.requestedPolicyVersion=3`)).body
  const ok = await call(fake, 'POST', `${path}:setIamPolicy`, {
    policy: { ...second, bindings: [...second.bindings, binding('roles/run.invoker', 'user:a@x.example')] }
  })
  expect(ok.status).toBe(200)
  expect(fake.getPolicy(svc).bindings!.map(b => b.role)).toEqual(['roles/run.viewer', 'roles/run.invoker'])
})

test('permissions: inherited from the project, denied with Google’s message, and testIamPermissions answers the subset', async () => {
  fake = await startFakeGcp(scenario())
  const svc = `v2/projects/${P}/locations/us-central1/services/svc`
  const denied = await call(fake, 'GET', `${svc}:getIamPolicy`)
  expect(denied.status).toBe(403)
  expect(denied.body.error.message).toBe(
    `Permission 'run.services.getIamPolicy' denied on resource 'projects/${P}/locations/us-central1/services/svc' (or it may not exist).`
  )
  const t = await call(fake, 'POST', `v1/projects/${P}:testIamPermissions`, {
    permissions: ['resourcemanager.projects.setIamPolicy', 'cloudscheduler.jobs.update']
  })
  expect(t.body).toEqual({ permissions: ['resourcemanager.projects.setIamPolicy'] })
  const none = await call(fake, 'POST', `${svc}:testIamPermissions`, { permissions: ['run.services.setIamPolicy'] })
  expect(none.body).toEqual({})
  expect((await call(fake, 'POST', `${svc}:testIamPermissions`, { permissions: ['cloudscheduler.jobs.run'] })).status).toBe(400)
})

test('editor cannot set IAM policies; an unknown malformed role is refused', async () => {
  fake = await startFakeGcp(scenario({ projects: [{ projectId: P, projectNumber: '42', iamPolicy: policy(binding('roles/editor', ADMIN)) }] }))
  expect((await set({ bindings: [] })).status).toBe(403)
  fake.state.policies.addBinding(`projects/${P}`, 'roles/owner', ADMIN)
  const bad = await set({ bindings: [binding('run.invoker', 'user:a@x.example')] })
  expect(bad.status).toBe(400)
  expect(bad.body.error.message).toMatch(/Role run.invoker is not supported/)
})

test('Cloud Run takes getIamPolicy as GET only (version in the query); a POST is not found', async () => {
  fake = await startFakeGcp(scenario())
  const svc = `projects/${P}/locations/us-central1/services/svc`
  // The caller may not read it: a GET reaches the permission check, a POST matches no method at all.
  const get = await call(fake, 'GET', `v2/${svc}:getIamPolicy?options.requestedPolicyVersion=3`)
  expect([get.status, get.body.error.status]).toEqual([403, 'PERMISSION_DENIED'])
  expect((await call(fake, 'POST', `v2/${svc}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })).status).toBe(404)
})
