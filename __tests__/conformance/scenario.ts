/** The scenario the gcloud conformance tests run against: one of each target kind, jobs broken in different ways. */
import { binding, deployerProject, gen1Function, gen2Function, httpJob, policy, runService, sa, type Scenario } from '../../fake-gcp'

export const P = 'conf-proj'
export const N = '111122223333'
export const R = 'us-central1'
export const DEPLOYER = `deployer@${P}.iam.gserviceaccount.com`
export const INVOKER = `invoker@${P}.iam.gserviceaccount.com`
export const OUTSIDER = `outsider@${P}.iam.gserviceaccount.com`
export const GEN1_URL = `https://${R}-${P}.cloudfunctions.net/legacy-report`
export const GEN2_URL = `https://${R}-${P}.cloudfunctions.net/nightly-report`
export const jobName = (id: string): string => `projects/${P}/locations/${R}/jobs/${id}`

export function conformanceScenario(extra: Partial<Scenario> = {}): Scenario {
  return {
    projects: [deployerProject(P, N, sa(DEPLOYER))],
    functions: [gen1Function(P, R, 'legacy-report'), gen2Function(P, R, 'nightly-report')],
    services: [runService(P, R, 'api')],
    jobs: [
      httpJob(P, R, 'nightly-report', GEN2_URL, { body: '{"report":"sales"}', headers: { 'Content-Type': 'application/json' }, schedule: '0 3 * * *' }),
      httpJob(P, R, 'legacy-report', GEN1_URL, { oidc: { serviceAccountEmail: INVOKER, audience: GEN1_URL }, schedule: '30 4 * * 1' })
    ],
    serviceAccounts: [{ email: DEPLOYER }, { email: INVOKER, iamPolicy: policy(binding('roles/iam.serviceAccountUser', sa(DEPLOYER))) }, { email: OUTSIDER }],
    caller: sa(DEPLOYER),
    settings: { attemptDelayMs: 50, logIngestionDelayMs: 300 },
    ...extra
  }
}
