/**
 * Scheduler jobs calling a Google API: the attempt goes through the stand-in's own routes with
 * the OAuth token Scheduler mints, so the API's own token, scope and permission checks decide.
 */
import {
  binding,
  gen1Function,
  httpJob,
  policy,
  sa,
  schedulerAgent,
  startFakeGcp,
  type FakeGcp,
  type HttpJobOpts,
  type Job,
  type Scenario
} from '../../fake-gcp'
import { call } from './helpers'

const P = 'gapi-proj'
const N = '4242'
const R = 'us-central1'
const INV = `inv@${P}.iam.gserviceaccount.com`
const OWNER = sa(`owner@${P}.iam.gserviceaccount.com`)
const OTHER = `projects/${P}/locations/${R}/jobs/other`
const RUN_OTHER = `https://cloudscheduler.googleapis.com/v1/${OTHER}:run`
const GET_POLICY = `https://cloudresourcemanager.googleapis.com/v1/projects/${P}:getIamPolicy`
const G1 = `https://${R}-${P}.cloudfunctions.net/g1`
const LOGGING_READ = 'https://www.googleapis.com/auth/logging.read'

const agent = binding('roles/cloudscheduler.serviceAgent', schedulerAgent(N))
const oauth = (scope?: string): HttpJobOpts => ({ oauth: { serviceAccountEmail: INV, ...(scope !== undefined ? { scope } : {}) } })

/** Job `j` calls `uri`; job `other` calls a public function, so its own attempt shows whether `j` ran it. */
function scenario(uri: string, job: HttpJobOpts, invRoles: string[] = [], bindings = [agent]): Scenario {
  return {
    projects: [{ projectId: P, projectNumber: N, iamPolicy: policy(binding('roles/owner', OWNER), ...bindings, ...invRoles.map(r => binding(r, sa(INV)))) }],
    functions: [gen1Function(P, R, 'g1', { iamPolicy: policy(binding('roles/cloudfunctions.invoker', 'allUsers')) })],
    jobs: [httpJob(P, R, 'j', uri, job), httpJob(P, R, 'other', G1)],
    caller: OWNER,
    settings: { attemptDelayMs: 10, logIngestionDelayMs: 0 }
  }
}

let fake: FakeGcp
afterEach(async () => fake?.close())

const finished = (jobId: string) =>
  fake.logEntries().filter(e => e.resource.labels.job_id === jobId && String(e.jsonPayload?.['@type']).endsWith('AttemptFinished'))

/** Run job `j` as the caller; return the attempt's HTTP status from its AttemptFinished entry and the job after it. */
async function attempt(s: Scenario): Promise<{ http: number; job: Job }> {
  fake = await startFakeGcp(s)
  const r = await call(fake, 'POST', `v1/projects/${P}/locations/${R}/jobs/j:run`, {})
  expect(r.status).toBe(200)
  await fake.idle()
  const [fin] = finished('j')
  return { http: Number(fin.httpRequest!.status), job: fake.getJob(`projects/${P}/locations/${R}/jobs/j`) }
}

describe('a job calling Cloud Scheduler jobs.run on another job', () => {
  test('an OAuth token of an account holding cloudscheduler.jobs.run → 200, and the other job ran', async () => {
    const { http, job } = await attempt(scenario(RUN_OTHER, oauth(), ['roles/cloudscheduler.jobRunner']))
    expect(http).toBe(200)
    expect(job.status).toEqual({})
    expect(job.lastAttemptTime).toBeDefined()
    expect(fake.getJob(OTHER).lastAttemptTime).toBeDefined()
    expect(finished('other').map(e => e.httpRequest?.status)).toEqual([200])
    expect(finished('j')[0]).toMatchObject({ severity: 'INFO', httpRequest: { status: 200 } })
    expect(finished('j')[0].jsonPayload).not.toHaveProperty('debugInfo')
  })

  test('without the permission → 403 PERMISSION_DENIED, logged as such, and the other job did not run', async () => {
    const { http, job } = await attempt(scenario(RUN_OTHER, oauth(), ['roles/cloudscheduler.viewer']))
    expect(http).toBe(403)
    expect(job.status).toEqual({ code: 7, message: 'URL_ERROR-ERROR_AUTHENTICATION. Original HTTP response code number = 403' })
    expect(finished('j')[0]).toMatchObject({
      severity: 'ERROR',
      httpRequest: { status: 403 },
      jsonPayload: {
        '@type': 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished',
        url: RUN_OTHER,
        status: 'PERMISSION_DENIED',
        debugInfo: 'URL_ERROR-ERROR_AUTHENTICATION. Original HTTP response code number = 403'
      }
    })
    expect(fake.getJob(OTHER).lastAttemptTime).toBeUndefined()
  })

  test('the method is the job’s: a GET of the other job needs only cloudscheduler.jobs.get', async () => {
    const get = `https://cloudscheduler.googleapis.com/v1/${OTHER}`
    expect((await attempt(scenario(get, { ...oauth(), httpMethod: 'GET' }, ['roles/cloudscheduler.viewer']))).http).toBe(200)
    expect(fake.getJob(OTHER).lastAttemptTime).toBeUndefined()
  })

  test('an OIDC (ID) token → 401 UNAUTHENTICATED', async () => {
    const { http, job } = await attempt(scenario(RUN_OTHER, { oidc: { serviceAccountEmail: INV } }, ['roles/cloudscheduler.admin']))
    expect(http).toBe(401)
    expect(job.status?.code).toBe(16)
    expect(finished('j')[0].jsonPayload).toMatchObject({ status: 'UNAUTHENTICATED' })
    expect(fake.getJob(OTHER).lastAttemptTime).toBeUndefined()
  })

  test('no token → 401', async () => {
    expect((await attempt(scenario(RUN_OTHER, {}, ['roles/cloudscheduler.admin']))).http).toBe(401)
    expect(fake.getJob(OTHER).lastAttemptTime).toBeUndefined()
  })

  test('no token either when the Scheduler service agent lacks its role → 401', async () => {
    expect((await attempt(scenario(RUN_OTHER, oauth(), ['roles/cloudscheduler.admin'], []))).http).toBe(401)
    expect(fake.getJob(OTHER).lastAttemptTime).toBeUndefined()
  })

  test.each([
    ['a scope of another API', 'https://www.googleapis.com/auth/pubsub'],
    ['a read-only scope Scheduler does not take', 'https://www.googleapis.com/auth/cloud-platform.read-only']
  ])('%s → 403 (scope insufficient)', async (_, scope) => {
    const { http, job } = await attempt(scenario(RUN_OTHER, oauth(scope), ['roles/cloudscheduler.admin']))
    expect(http).toBe(403)
    expect(job.status?.code).toBe(7)
    expect(fake.getJob(OTHER).lastAttemptTime).toBeUndefined()
  })

  test('the stand-in’s internal call is not in the request log: only the test’s own call is', async () => {
    await attempt(scenario(RUN_OTHER, oauth(), ['roles/cloudscheduler.jobRunner']))
    expect(fake.getJob(OTHER).lastAttemptTime).toBeDefined()
    expect(fake.requests.map(r => `${r.method} ${r.path} ${r.status}`)).toEqual([`POST /v1/projects/${P}/locations/${R}/jobs/j:run 200`])
  })
})

describe('a job calling Resource Manager projects.getIamPolicy', () => {
  test('200 with resourcemanager.projects.getIamPolicy, 403 without', async () => {
    expect((await attempt(scenario(GET_POLICY, oauth(), ['roles/iam.securityReviewer']))).http).toBe(200)
    await fake.close()
    expect((await attempt(scenario(GET_POLICY, oauth(), ['roles/cloudscheduler.admin']))).http).toBe(403)
  })

  test('the job’s body reaches the API (base64 in the job, bytes on the wire): an invalid requested version → 400', async () => {
    const bad = await attempt(scenario(GET_POLICY, { ...oauth(), body: '{"options":{"requestedPolicyVersion":2}}' }, ['roles/iam.securityReviewer']))
    expect(bad.http).toBe(400)
    expect(bad.job.status?.code).toBe(3)
  })
})

describe('scopes an API lists besides cloud-platform', () => {
  const ENTRIES = 'https://logging.googleapis.com/v2/entries:list'
  const body = JSON.stringify({ resourceNames: [`projects/${P}`] })

  test('Logging takes logging.read for entries:list; Scheduler does not', async () => {
    expect((await attempt(scenario(ENTRIES, { ...oauth(LOGGING_READ), body }, ['roles/logging.viewer']))).http).toBe(200)
    await fake.close()
    expect((await attempt(scenario(RUN_OTHER, oauth(LOGGING_READ), ['roles/cloudscheduler.admin']))).http).toBe(403)
  })

  test('a Google API the stand-in does not serve answers 404, as any unknown URL', async () => {
    const publish = `https://pubsub.googleapis.com/v1/projects/${P}/topics/t:publish`
    expect((await attempt(scenario(publish, oauth(), ['roles/owner']))).http).toBe(404)
  })

  test('a token from generateAccessToken keeps its scopes: a direct call is judged the same way, with Google’s error', async () => {
    fake = await startFakeGcp(scenario(RUN_OTHER, oauth(), ['roles/cloudscheduler.admin', 'roles/logging.viewer']))
    const mint = async (scope: string[]) => {
      const r = await call(fake, 'POST', `v1/projects/-/serviceAccounts/${INV}:generateAccessToken`, { scope })
      expect(r.status).toBe(200)
      return r.body.accessToken as string
    }
    const pubsub = await mint(['https://www.googleapis.com/auth/pubsub'])
    const refused = await call(fake, 'GET', `v1/${OTHER}`, undefined, pubsub)
    expect(refused).toEqual({
      status: 403,
      body: {
        error: {
          code: 403,
          message: 'Request had insufficient authentication scopes.',
          status: 'PERMISSION_DENIED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
              domain: 'googleapis.com',
              metadata: { service: 'cloudscheduler.googleapis.com' }
            }
          ]
        }
      }
    })
    const logRead = await mint([LOGGING_READ])
    expect((await call(fake, 'POST', 'v2/entries:list', { resourceNames: [`projects/${P}`] }, logRead)).status).toBe(200)
    expect((await call(fake, 'GET', `v1/${OTHER}`, undefined, logRead)).status).toBe(403)
    const both = await mint(['https://www.googleapis.com/auth/pubsub', 'https://www.googleapis.com/auth/cloud-platform'])
    expect((await call(fake, 'GET', `v1/${OTHER}`, undefined, both)).status).toBe(200)
  })
})
