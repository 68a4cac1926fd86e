/** Target resolution: from inputs or job URIs to the resource whose policy governs invocation, each read once. */
import { describe, expect, it } from '@jest/globals'
import type { GoogleClients } from '../../src/google/clients'
import { ApiError } from '../../src/google/http'
import type { CloudFunction, Job, Policy, RunService } from '../../src/google/types'
import { readSettings } from '../../src/inputs'
import { observe } from '../../src/observe'

const P = 'my-proj'
const L = `projects/${P}/locations/us-central1`
const FN1 = `${L}/functions/legacy`
const FN2 = `${L}/functions/nightly`
const SVC2 = `${L}/services/nightly`
const API = `${L}/services/api`
const API_URL = 'https://api-abc123-uc.a.run.app'
const FN_URL = (id: string) => `https://us-central1-${P}.cloudfunctions.net/${id}`
const SA = `invoker@${P}.iam.gserviceaccount.com`

const job = (id: string, uri: string): Job => ({ name: `${L}/jobs/${id}`, state: 'ENABLED', httpTarget: { uri, oidcToken: { serviceAccountEmail: SA } } })

/** An in-memory Google with call counts: just the reads observe makes. */
function google(jobs: Job[]) {
  const functions: CloudFunction[] = [
    { name: FN1, environment: 'GEN_1', url: FN_URL('legacy') },
    { name: FN2, environment: 'GEN_2', url: FN_URL('nightly'), serviceConfig: { service: SVC2 } }
  ]
  const services: RunService[] = [
    { name: SVC2, uri: 'https://nightly-xyz-uc.a.run.app', urls: ['https://nightly-xyz-uc.a.run.app'] },
    { name: API, uri: API_URL, urls: [API_URL, `https://api-123.us-central1.run.app`], ingress: 'INGRESS_TRAFFIC_ALL' }
  ]
  const calls: string[] = []
  const count = <T>(what: string, v: T): Promise<T> => {
    calls.push(what)
    return Promise.resolve(structuredClone(v))
  }
  const notFound = (what: string) => Promise.reject(new ApiError(`(404) NOT_FOUND ${what}`, 404, 'NOT_FOUND', what))
  const policy = (resource: string): Policy => ({ version: 3, etag: `etag-${resource}`, bindings: [] })
  const iam = (kind: string) => ({
    getIamPolicy: (r: string) => count(`${kind}.getIamPolicy ${r}`, policy(r)),
    setIamPolicy: () => Promise.reject(new Error('no writes in observe')),
    testIamPermissions: () => Promise.resolve([])
  })
  const g = {
    scheduler: {
      getJob: (name: string) => {
        const j = jobs.find(x => x.name === name)
        return j ? count(`getJob ${name}`, j) : notFound(name)
      },
      listJobs: (parent: string) => count(`listJobs ${parent}`, jobs)
    },
    functions: {
      getFunction: (name: string) => {
        const f = functions.find(x => x.name === name)
        return f ? count(`getFunction ${name}`, f) : notFound(name)
      },
      listFunctions: (parent: string) => count(`listFunctions ${parent}`, functions),
      gen1Iam: iam('gen1'),
      gen2Iam: iam('gen2')
    },
    run: {
      getService: (name: string) => {
        const s = services.find(x => x.name === name)
        return s ? count(`getService ${name}`, s) : notFound(name)
      },
      listServices: (parent: string) => count(`listServices ${parent}`, services),
      iam: iam('run')
    },
    projects: { getProject: (id: string) => count('getProject', { projectId: id, projectNumber: '42' }), iam: iam('project') }
  }
  return { g: g as unknown as GoogleClients, calls }
}

const settings = (inputs: Record<string, string>) => readSettings(n => ({ project_id: P, region: 'us-central1', ...inputs })[n] ?? '', {})

describe('target resolution from job URIs', () => {
  it('gen 1 → its function; gen 2 → its Cloud Run service; run.app → the service serving that origin', async () => {
    const jobs = [job('a', FN_URL('legacy')), job('b', `${FN_URL('nightly')}?x=1`), job('c', `${API_URL}/tasks/run`)]
    const { g } = google(jobs)
    const o = await observe(g, settings({ job: 'a,b,c' }))
    expect(o.jobs.map(j => j.target)).toEqual([FN1, FN2, API])
    expect(o.targets[FN1]).toMatchObject({ kind: 'gen1', invokerRole: 'roles/cloudfunctions.invoker', functionUrl: FN_URL('legacy') })
    expect(o.targets[FN2]).toMatchObject({ kind: 'gen2', name: FN2, invokeResource: SVC2, invokerRole: 'roles/run.invoker', functionUrl: FN_URL('nightly') })
    expect(o.targets[API]).toMatchObject({ kind: 'service', serviceUrls: [API_URL, 'https://api-123.us-central1.run.app'], ingress: 'INGRESS_TRAFFIC_ALL' })
    expect(o.project).toEqual({ id: P, number: '42' })
  })

  it('jobs sharing a target read it and its policy once', async () => {
    const jobs = ['a', 'b', 'c'].map(id => job(id, FN_URL('nightly')))
    const { g, calls } = google(jobs)
    await observe(g, settings({ job: 'a,b,c' }))
    expect(calls.filter(c => c.startsWith('getFunction'))).toEqual([`getFunction ${FN2}`])
    expect(calls.filter(c => c.startsWith('run.getIamPolicy'))).toEqual([`run.getIamPolicy ${SVC2}`])
  })

  it('a location audit lists functions and services once instead of reading each target', async () => {
    const jobs = [job('a', FN_URL('legacy')), job('b', FN_URL('nightly')), job('c', API_URL)]
    const { g, calls } = google(jobs)
    const o = await observe(g, settings({ job: '*' }))
    expect(o.jobs.map(j => j.target)).toEqual([FN1, FN2, API])
    expect(calls.filter(c => /^get(Function|Service) /.test(c))).toEqual([])
    expect(calls.filter(c => /^list/.test(c)).sort()).toEqual([`listFunctions ${L}`, `listJobs ${L}`, `listServices ${L}`])
  })

  it('a gen 2 function called by its function URL and by its run.app URL: two targets, one service and policy read', async () => {
    // Which read finishes first must not matter: run it in both orders.
    for (const ids of [
      ['a', 'b'],
      ['b', 'a']
    ]) {
      const jobs = { a: job('a', FN_URL('nightly')), b: job('b', 'https://nightly-xyz-uc.a.run.app/run') }
      const { g, calls } = google(ids.map(id => jobs[id as 'a' | 'b']))
      const o = await observe(g, settings({ job: ids.join(',') }))
      const target = Object.fromEntries(o.jobs.map(j => [j.name.split('/').pop(), j.target]))
      expect(target).toEqual({ a: FN2, b: SVC2 })
      expect(o.targets[FN2]).toMatchObject({ kind: 'gen2', functionUrl: FN_URL('nightly'), invokeResource: SVC2 })
      expect(o.targets[SVC2]).toMatchObject({ kind: 'service', invokeResource: SVC2 })
      expect(o.targets[SVC2].policy).toBe(o.targets[FN2].policy)
      expect(calls.filter(c => c.startsWith('run.getIamPolicy'))).toEqual([`run.getIamPolicy ${SVC2}`])
      // the run.app job's listing serves the service to both
      expect(calls.filter(c => /^(getService|listServices) /.test(c))).toEqual([`listServices ${L}`])
    }
  })

  it('a URI naming a function that does not exist: that job gets a target error, the others resolve', async () => {
    const { g } = google([job('a', FN_URL('gone')), job('b', FN_URL('legacy'))])
    const o = await observe(g, settings({ job: 'a,b' }))
    expect(o.jobs[0].target).toBeUndefined()
    expect(o.jobs[0].targetError).toMatch(/does not exist/)
    expect(o.jobs[1].target).toBe(FN1)
  })

  it('a job that cannot be read is kept with its error, not dropped', async () => {
    const { g } = google([])
    const o = await observe(g, settings({ job: 'missing' }))
    expect(o.jobs).toEqual([{ name: `${L}/jobs/missing`, error: expect.stringMatching(/404/) }])
  })
})

describe('target from the inputs', () => {
  it('function given, no job: the jobs are those whose URI calls it (function URL or one of its service URLs)', async () => {
    const jobs = [job('a', FN_URL('nightly')), job('b', 'https://nightly-xyz-uc.a.run.app/run'), job('c', FN_URL('legacy'))]
    const { g } = google(jobs)
    const o = await observe(g, settings({ function: 'nightly' }))
    expect(o.explicitTarget).toBe(FN2)
    expect(o.jobs.map(j => j.name.split('/').pop())).toEqual(['a', 'b'])
  })

  it('a named target that does not exist fails with the inputs to check', async () => {
    const { g } = google([job('a', FN_URL('legacy'))])
    await expect(observe(g, settings({ job: 'a', function: 'legcy' }))).rejects.toThrow(/Check the 'function' and 'region' inputs \(legcy in us-central1\)/)
  })

  it('fix mode hears of every writable resource as soon as it is known (for the permission probe)', async () => {
    const { g } = google([job('a', FN_URL('nightly'))])
    const heard: string[] = []
    await observe(g, settings({ job: 'a' }), (scope, resource) => heard.push(`${scope} ${resource}`))
    expect(heard.sort()).toEqual([`project projects/${P}`, `run ${SVC2}`, `serviceAccount ${SA}`].sort())
  })
})
