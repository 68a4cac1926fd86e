/**
 * The benchmark's worlds. `brokenOne()` is the demo's broken gen 2 job (no OIDC token, its
 * account holds roles/cloudfunctions.invoker instead of roles/run.invoker). `brokenRunJob()` is
 * a broken scheduled Cloud Run job (an OIDC token where the Admin API needs OAuth, and no
 * roles/run.invoker on the job). `fleet(n)` spreads n jobs over 50 targets (gen 1, gen 2 and
 * Cloud Run), about half of them broken.
 */
import { demo, DEMO_DEPLOYER, DEMO_INVOKER, DEMO_PROJECT, DEMO_REGION, demoRunJob } from '../fake-gcp/scenarios/demo'
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
  type FunctionSpec,
  type Job,
  type Scenario,
  type ServiceSpec,
  type Settings
} from '../fake-gcp/scenario'

export { DEMO_INVOKER, DEMO_PROJECT, DEMO_REGION }
export const ONE_JOB = 'nightly-report'
export const ONE_FUNCTION = 'nightly-report'

/** Google-like timing: every call pays `latencyMs`; an attempt runs ~1 s after jobs:run and its log lands ~2.5 s later. */
export function googleLike(latencyMs = 80, attemptDelayMs = 1000, logIngestionDelayMs = 2500): Settings {
  return { latencyMs, attemptDelayMs, logIngestionDelayMs }
}

export function brokenOne(settings: Settings): Scenario {
  return { ...demo(), settings }
}

/** the Scheduler job's id, and the Cloud Run job's it runs (the same, as people name them) */
export const ONE_RUN_JOB_TRIGGER = 'export-orders'
export const ONE_RUN_JOB = 'export-orders'
export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

/**
 * The demo's second act: a Cloud Run job run nightly by Scheduler through the Admin API's `:run`
 * (the project named by number), its Scheduler job copied from a function's. It carries an OIDC
 * token (the Admin API answers 401: an ID token is no access token), and its account was never
 * given roles/run.invoker on the Cloud Run job (nothing on the project grants it either). Each
 * execution provisions for 300 ms and runs for 1.5 s.
 */
export function brokenRunJob(settings: Settings): Scenario {
  return { ...demoRunJob(), settings }
}

export const FLEET_PROJECT = 'fleet-proj'
export const FLEET_NUMBER = '555566667777'
export const FLEET_REGION = 'us-central1'
export const FLEET_INVOKER = `scheduler-invoker@${FLEET_PROJECT}.iam.gserviceaccount.com`
export const TARGETS = 50
const DEPLOYER = `deployer@${FLEET_PROJECT}.iam.gserviceaccount.com`
const POOL = `projects/${FLEET_NUMBER}/locations/global/workloadIdentityPools/github`
const REPOSITORY = 'acme/fleet'

export type TargetKind = 'gen1' | 'gen2' | 'service'
export const targetKind = (t: number): TargetKind => (['gen1', 'gen2', 'service'] as const)[t % 3]
/** One target in five lacks the invoker binding (each needs exactly one policy write in fix mode). */
export const targetBroken = (t: number): boolean => t % 5 === 4

/** The resource whose policy holds the invoker binding of target t (what fix writes at most once). */
export function invokeResource(t: number): string {
  const id = `t${t}`
  return targetKind(t) === 'gen1'
    ? `projects/${FLEET_PROJECT}/locations/${FLEET_REGION}/functions/${id}`
    : `projects/${FLEET_PROJECT}/locations/${FLEET_REGION}/services/${id}`
}

/**
 * n jobs, job i calls target i mod 50. Odd jobs are broken (alternately: no OIDC token, and a
 * token whose audience is wrong); targets with t mod 5 = 4 lack the invoker binding, so some
 * even jobs are broken through their target too.
 */
export function fleet(n: number, settings: Settings): Scenario {
  const functions: FunctionSpec[] = []
  const services: ServiceSpec[] = []
  const urls: string[] = []
  const used = Math.min(n, TARGETS)
  for (let t = 0; t < used; t++) {
    const id = `t${t}`
    const grant = targetBroken(t) ? policy() : undefined
    const kind = targetKind(t)
    if (kind === 'gen1') {
      functions.push(gen1Function(FLEET_PROJECT, FLEET_REGION, id, { iamPolicy: grant ?? policy(binding('roles/cloudfunctions.invoker', sa(FLEET_INVOKER))) }))
      urls.push(functionUrl(FLEET_PROJECT, FLEET_REGION, id))
    } else if (kind === 'gen2') {
      functions.push(gen2Function(FLEET_PROJECT, FLEET_REGION, id))
      services.push(runService(FLEET_PROJECT, FLEET_REGION, id, { iamPolicy: grant ?? policy(binding('roles/run.invoker', sa(FLEET_INVOKER))) }))
      urls.push(functionUrl(FLEET_PROJECT, FLEET_REGION, id))
    } else {
      services.push(runService(FLEET_PROJECT, FLEET_REGION, id, { iamPolicy: grant ?? policy(binding('roles/run.invoker', sa(FLEET_INVOKER))) }))
      urls.push(defaultRunUrls(FLEET_PROJECT, FLEET_NUMBER, FLEET_REGION, id)[0])
    }
  }
  const jobs: Job[] = []
  for (let i = 0; i < n; i++) {
    const t = i % TARGETS
    const url = urls[t]
    // the default audience: the function URL, or the Cloud Run origin (url is one already)
    const oidc =
      i % 2 === 0
        ? { serviceAccountEmail: FLEET_INVOKER, audience: url }
        : i % 4 === 1
          ? undefined
          : { serviceAccountEmail: FLEET_INVOKER, audience: 'https://example.com/wrong' }
    jobs.push(httpJob(FLEET_PROJECT, FLEET_REGION, `job-${String(i).padStart(3, '0')}`, url, { oidc, body: `{"job":${i}}` }))
  }
  return {
    projects: [deployerProject(FLEET_PROJECT, FLEET_NUMBER, sa(DEPLOYER))],
    functions,
    services,
    jobs,
    serviceAccounts: [
      {
        email: DEPLOYER,
        iamPolicy: policy(binding('roles/iam.workloadIdentityUser', `principalSet://iam.googleapis.com/${POOL}/attribute.repository/${REPOSITORY}`))
      },
      { email: FLEET_INVOKER, iamPolicy: policy(binding('roles/iam.serviceAccountUser', sa(DEPLOYER))) }
    ],
    caller: sa(DEPLOYER),
    wif: { provider: `${POOL}/providers/fleet`, repository: REPOSITORY },
    settings
  }
}

export { DEMO_DEPLOYER }
