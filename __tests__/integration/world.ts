/**
 * A healthy world the integration tests break one thing at a time: project acme-prod with a
 * gen 1 function, a gen 2 function and a Cloud Run service, each called by a working job.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp } from '../../fake-gcp'
import {
  binding,
  defaultRunUrls,
  deployerProject,
  functionUrl,
  gen1Function,
  gen2Function,
  httpJob,
  policy,
  runService,
  sa,
  schedulerAgent,
  type Scenario
} from '../../fake-gcp/scenario'
import { runAction, type ActionRun } from '../../scripts/lib/run-action'

export const P = 'acme-prod'
export const N = '111122223333'
export const R = 'us-central1'
export const INVOKER = `invoker@${P}.iam.gserviceaccount.com`
export const OTHER_SA = `other@${P}.iam.gserviceaccount.com`
export const DEPLOYER = `serviceAccount:deployer@${P}.iam.gserviceaccount.com`
export const AGENT = schedulerAgent(N)

export const GEN1_URL = functionUrl(P, R, 'legacy')
export const GEN2_URL = functionUrl(P, R, 'nightly')
export const [GEN2_RUN_URL] = defaultRunUrls(P, N, R, 'nightly')
export const [API_URL, API_URL2] = defaultRunUrls(P, N, R, 'api')

export const jobName = (id: string): string => `projects/${P}/locations/${R}/jobs/${id}`
export const fnName = (id: string): string => `projects/${P}/locations/${R}/functions/${id}`
export const svcName = (id: string): string => `projects/${P}/locations/${R}/services/${id}`

export const WIF_POOL = `projects/${N}/locations/global/workloadIdentityPools/github`
export const WIF_PROVIDER = `${WIF_POOL}/providers/acme-jobs`

/** Everything works: each job's next attempt returns 200. */
export function healthy(): Scenario {
  return {
    projects: [deployerProject(P, N, DEPLOYER)],
    functions: [gen1Function(P, R, 'legacy', { iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(INVOKER))) }), gen2Function(P, R, 'nightly')],
    services: [
      runService(P, R, 'nightly', { iamPolicy: policy(binding('roles/run.invoker', sa(INVOKER))) }),
      runService(P, R, 'api', { iamPolicy: policy(binding('roles/run.invoker', sa(INVOKER))) })
    ],
    jobs: [
      httpJob(P, R, 'legacy-job', GEN1_URL, { oidc: { serviceAccountEmail: INVOKER, audience: GEN1_URL }, body: '{"report":"daily"}' }),
      httpJob(P, R, 'nightly-job', GEN2_URL, {
        oidc: { serviceAccountEmail: INVOKER, audience: GEN2_URL },
        body: '{"report":"nightly"}',
        headers: { 'Content-Type': 'application/json' }
      }),
      httpJob(P, R, 'api-job', `${API_URL}/tasks/run?src=scheduler`, { oidc: { serviceAccountEmail: INVOKER, audience: API_URL } })
    ],
    serviceAccounts: [
      { email: INVOKER, iamPolicy: policy(binding('roles/iam.serviceAccountUser', DEPLOYER)) },
      { email: OTHER_SA, iamPolicy: policy(binding('roles/iam.serviceAccountUser', DEPLOYER)) },
      {
        email: `deployer@${P}.iam.gserviceaccount.com`,
        iamPolicy: policy(binding('roles/iam.workloadIdentityUser', `principalSet://iam.googleapis.com/${WIF_POOL}/attribute.repository/acme/jobs`))
      }
    ],
    caller: DEPLOYER,
    // The runner authenticates as google-github-actions/auth sets it up: WIF, then impersonation.
    wif: { provider: WIF_PROVIDER, repository: 'acme/jobs' },
    settings: { attemptDelayMs: 100, logIngestionDelayMs: 400 }
  }
}

/** Applies edits to a copy of the healthy world. */
export function world(edit: (s: Scenario) => void): Scenario {
  const s = healthy()
  edit(s)
  return s
}

export const job = (s: Scenario, id: string) => s.jobs!.find(j => j.name === jobName(id))!
export const service = (s: Scenario, id: string) => s.services!.find(x => x.name === svcName(id))!
export const fn = (s: Scenario, id: string) => s.functions!.find(x => x.name === fnName(id))!

export interface Run extends ActionRun {
  fake: FakeGcp
  changes: {
    job: string
    resource: string
    kind: string
    before: unknown
    after: { role?: string; member?: string; serviceAccountEmail?: string; audience?: string }
  }[]
  jobs: {
    job: string
    target: string
    audience: string
    invoker_service_account: string
    findings: { check: string; severity: string; found: string }[]
    http_status: number | '2xx' | null
    result: string
  }[]
}

const fakes: FakeGcp[] = []

/** Starts the stand-in (kept for afterAll) and runs the bundled action against it. */
export async function act(scenario: Scenario | FakeGcp, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<Run> {
  const fake = 'url' in scenario ? scenario : await startFakeGcp(scenario)
  if (!fakes.includes(fake)) fakes.push(fake)
  const dir = mkdtempSync(join(tmpdir(), 'it-'))
  const r = await runAction({ timeout: '60', ...inputs }, { env: { ...fake.actionEnv(dir), ...env } })
  await fake.idle()
  return { ...r, fake, changes: JSON.parse(r.outputs.changes || '[]'), jobs: JSON.parse(r.outputs.jobs || '[]') }
}

export async function closeAll(): Promise<void> {
  await Promise.all(fakes.splice(0).map(f => f.close()))
}

/** Requests that change state. */
export const writes = (f: FakeGcp) => f.requests.filter(r => r.method === 'PATCH' || /:setIamPolicy$/.test(r.path))
export const members = (f: FakeGcp, resource: string, role: string): string[] =>
  (f.getPolicy(resource).bindings ?? []).filter(b => b.role === role && !b.condition).flatMap(b => b.members)
