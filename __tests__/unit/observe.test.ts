/** Target resolution: from inputs or job URIs to the resource whose policy governs invocation, each read once. */
import { describe, expect, it } from '@jest/globals'
import { observe } from '../../src/engine/observe'
import type { CloudFunction, Job, RunService } from '../../src/google/types'
import { readSettings } from '../../src/settings'
import { gen1 } from '../../src/targets/gen1'
import { gen2 } from '../../src/targets/gen2'
import { service } from '../../src/targets/service'
import { MemoryGoogle } from '../fixtures/google'
import { FN, FN_URL, JOB, L, NUM, P, R, RUN_HASH_URL, RUN_URL, SA, SVC } from '../fixtures/names'

const FN1 = FN('legacy')
const FN2 = FN('nightly')
const SVC2 = SVC('nightly')
const API = SVC('api')
const API_URL = RUN_HASH_URL('api')
const NIGHTLY_URL = RUN_HASH_URL('nightly')

const job = (id: string, uri: string): Job => ({ name: JOB(id), state: 'ENABLED', httpTarget: { uri, oidcToken: { serviceAccountEmail: SA() } } })

/** The in-memory Google with a gen 1 function, a gen 2 function on its service, and a plain service. */
function google(jobs: Job[]): MemoryGoogle {
  const functions: CloudFunction[] = [
    { name: FN1, environment: 'GEN_1', url: FN_URL('legacy') },
    { name: FN2, environment: 'GEN_2', url: FN_URL('nightly'), serviceConfig: { service: SVC2 } }
  ]
  const services: RunService[] = [
    { name: SVC2, uri: NIGHTLY_URL, urls: [NIGHTLY_URL] },
    { name: API, uri: API_URL, urls: [API_URL, RUN_URL('api')], ingress: 'INGRESS_TRAFFIC_ALL' }
  ]
  return new MemoryGoogle({ jobs, functions, services })
}

/** The calls made to the methods matching `method`, each as `method arg`. */
const callsTo = (g: MemoryGoogle, method: RegExp): string[] => g.calls.filter(c => method.test(c.method)).map(c => `${c.method} ${String(c.arg)}`)

const settings = (inputs: Record<string, string>) => readSettings(n => ({ project_id: P, region: R, ...inputs })[n] ?? '', {})

describe('target resolution from job URIs', () => {
  it('gen 1 → its function; gen 2 → its Cloud Run service; run.app → the service serving that origin', async () => {
    const jobs = [job('a', FN_URL('legacy')), job('b', `${FN_URL('nightly')}?x=1`), job('c', `${API_URL}/tasks/run`)]
    const g = google(jobs)
    const o = await observe(g, settings({ job: 'a,b,c' }))
    expect(o.jobs.map(j => j.target)).toEqual([FN1, FN2, API])
    const [t1, t2, api] = [o.targets[FN1], o.targets[FN2], o.targets[API]]
    expect(t1.kind).toBe(gen1)
    expect(t1.kind.access(t1, { name: '' }).role).toBe('roles/cloudfunctions.invoker')
    expect(t1.urls[0]).toBe(FN_URL('legacy'))
    expect(t2.kind).toBe(gen2)
    expect(t2).toMatchObject({ name: FN2, bindingResource: SVC2 })
    expect(t2.kind.access(t2, { name: '' }).role).toBe('roles/run.invoker')
    expect(t2.urls[0]).toBe(FN_URL('nightly'))
    expect(api.kind).toBe(service)
    expect(api).toMatchObject({ urls: [API_URL, RUN_URL('api')], ingress: 'INGRESS_TRAFFIC_ALL' })
    expect(o.project).toEqual({ id: P, number: NUM })
  })

  it('jobs sharing a target read it and its policy once', async () => {
    const jobs = ['a', 'b', 'c'].map(id => job(id, FN_URL('nightly')))
    const g = google(jobs)
    await observe(g, settings({ job: 'a,b,c' }))
    expect(callsTo(g, /^functions\.getFunction$/)).toEqual([`functions.getFunction ${FN2}`])
    expect(callsTo(g, /^run\.v2\.getIamPolicy$/)).toEqual([`run.v2.getIamPolicy ${SVC2}`])
  })

  it('a location audit lists functions and services once instead of reading each target', async () => {
    const jobs = [job('a', FN_URL('legacy')), job('b', FN_URL('nightly')), job('c', API_URL)]
    const g = google(jobs)
    const o = await observe(g, settings({ job: '*' }))
    expect(o.jobs.map(j => j.target)).toEqual([FN1, FN2, API])
    expect(callsTo(g, /^(functions\.getFunction|run\.getService)$/)).toEqual([])
    expect(callsTo(g, /\.list(Functions|Services|Jobs)/).sort()).toEqual([`functions.listFunctions ${L}`, `run.listServices ${L}`, `scheduler.listJobs ${L}`])
  })

  it('a gen 2 function called by its function URL and by its run.app URL: two targets, one service and policy read', async () => {
    // Which read finishes first must not matter: run it in both orders.
    for (const ids of [
      ['a', 'b'],
      ['b', 'a']
    ]) {
      const jobs = { a: job('a', FN_URL('nightly')), b: job('b', `${NIGHTLY_URL}/run`) }
      const g = google(ids.map(id => jobs[id as 'a' | 'b']))
      const o = await observe(g, settings({ job: ids.join(',') }))
      const target = Object.fromEntries(o.jobs.map(j => [j.name.split('/').pop(), j.target]))
      expect(target).toEqual({ a: FN2, b: SVC2 })
      expect(o.targets[FN2].kind).toBe(gen2)
      expect(o.targets[FN2].urls[0]).toBe(FN_URL('nightly'))
      expect(o.targets[FN2].bindingResource).toBe(SVC2)
      expect(o.targets[SVC2].kind).toBe(service)
      expect(o.targets[SVC2].bindingResource).toBe(SVC2)
      expect(o.targets[SVC2].policy).toBe(o.targets[FN2].policy)
      expect(callsTo(g, /^run\.v2\.getIamPolicy$/)).toEqual([`run.v2.getIamPolicy ${SVC2}`])
      // the run.app job's listing serves the service to both
      expect(callsTo(g, /^run\.(getService|listServices)$/)).toEqual([`run.listServices ${L}`])
    }
  })

  it('a URI naming a function that does not exist: that job gets a target error, the others resolve', async () => {
    const g = google([job('a', FN_URL('gone')), job('b', FN_URL('legacy'))])
    const o = await observe(g, settings({ job: 'a,b' }))
    expect(o.jobs[0].target).toBeUndefined()
    expect(o.jobs[0].targetError).toMatch(/does not exist/)
    expect(o.jobs[1].target).toBe(FN1)
  })

  it('a job that cannot be read is kept with its error, not dropped', async () => {
    const g = google([])
    const o = await observe(g, settings({ job: 'missing' }))
    expect(o.jobs).toEqual([{ name: JOB('missing'), error: expect.stringMatching(/404/) }])
  })
})

describe('target from the inputs', () => {
  it('function given, no job: the jobs are those whose URI calls it (function URL or one of its service URLs)', async () => {
    const jobs = [job('a', FN_URL('nightly')), job('b', `${NIGHTLY_URL}/run`), job('c', FN_URL('legacy'))]
    const g = google(jobs)
    const o = await observe(g, settings({ function: 'nightly' }))
    expect(o.explicitTarget).toBe(FN2)
    expect(o.jobs.map(j => j.name.split('/').pop())).toEqual(['a', 'b'])
  })

  it('a named target that does not exist fails with the inputs to check', async () => {
    const g = google([job('a', FN_URL('legacy'))])
    await expect(observe(g, settings({ job: 'a', function: 'legcy' }))).rejects.toThrow(
      new RegExp(`Check the 'function' and 'region' inputs \\(legcy in ${R}\\)`)
    )
  })

  it('fix mode hears of every writable resource as soon as it is known (for the permission probe)', async () => {
    const g = google([job('a', FN_URL('nightly'))])
    const heard: string[] = []
    await observe(g, settings({ job: 'a' }), (resource, surface, permissions) => heard.push(`${surface} ${resource} ${permissions.join(',')}`))
    expect(heard.sort()).toEqual(
      [
        `cloudresourcemanager.v1 projects/${P} cloudscheduler.jobs.update,resourcemanager.projects.setIamPolicy`,
        `run.v2 ${SVC2} run.services.setIamPolicy`,
        `serviceAccount ${SA()} iam.serviceAccounts.actAs`
      ].sort()
    )
  })
})
