/**
 * The demo: a nightly report job broken the classic ways. Its OIDC token was wiped by a
 * redeploy script, and its invoker account got roles/cloudfunctions.invoker on a gen 2
 * function, which does not make it invocable (Cloud Run's roles/run.invoker does).
 */
import { binding, cloudRunJob, deployerProject, gen2Function, httpJob, policy, runJobUri, sa, type Scenario } from '../scenario'

export const DEMO_PROJECT = 'demo-proj'
export const DEMO_PROJECT_NUMBER = '123456789012'
export const DEMO_REGION = 'us-central1'
export const DEMO_DEPLOYER = 'deployer@demo-proj.iam.gserviceaccount.com'
export const DEMO_INVOKER = 'scheduler-invoker@demo-proj.iam.gserviceaccount.com'
export const DEMO_PROVIDER = `projects/${DEMO_PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/providers/my-repo`
export const DEMO_REPOSITORY = 'acme/reports'

export function demo(): Scenario {
  return {
    projects: [deployerProject(DEMO_PROJECT, DEMO_PROJECT_NUMBER, sa(DEMO_DEPLOYER), binding('roles/owner', 'user:owner@acme.example'))],
    functions: [
      gen2Function(DEMO_PROJECT, DEMO_REGION, 'nightly-report', {
        runtime: 'nodejs20',
        entryPoint: 'nightlyReport',
        iamPolicy: policy(binding('roles/cloudfunctions.invoker', sa(DEMO_INVOKER)))
      })
    ],
    jobs: [
      httpJob(DEMO_PROJECT, DEMO_REGION, 'nightly-report', `https://${DEMO_REGION}-${DEMO_PROJECT}.cloudfunctions.net/nightly-report`, {
        httpMethod: 'POST',
        body: '{"report":"daily-sales","format":"pdf"}',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Google-Cloud-Scheduler' },
        schedule: '0 3 * * *',
        timeZone: 'Europe/Berlin'
      })
    ],
    serviceAccounts: [
      {
        email: DEMO_DEPLOYER,
        iamPolicy: policy(
          binding(
            'roles/iam.workloadIdentityUser',
            `principalSet://iam.googleapis.com/projects/${DEMO_PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/attribute.repository/${DEMO_REPOSITORY}`
          )
        )
      },
      { email: DEMO_INVOKER, iamPolicy: policy(binding('roles/iam.serviceAccountUser', sa(DEMO_DEPLOYER))) }
    ],
    caller: sa(DEMO_DEPLOYER),
    wif: { provider: DEMO_PROVIDER, repository: DEMO_REPOSITORY }
  }
}

/**
 * The demo's second act: a Cloud Run job run nightly by Scheduler, set up by copying a
 * function's job — it carries an OIDC token (Google APIs answer 401) and its account was never
 * given roles/run.invoker on the Cloud Run job.
 */
export function demoRunJob(): Scenario {
  const s = demo()
  s.cloudRunJobs = [cloudRunJob(DEMO_PROJECT, DEMO_REGION, 'export-orders', { timeline: { pendingMs: 300, runMs: 1500, outcome: 'SUCCEEDED' } })]
  s.jobs = [
    httpJob(DEMO_PROJECT, DEMO_REGION, 'export-orders', runJobUri(DEMO_PROJECT_NUMBER, DEMO_REGION, 'export-orders'), {
      httpMethod: 'POST',
      oidc: { serviceAccountEmail: DEMO_INVOKER, audience: runJobUri(DEMO_PROJECT_NUMBER, DEMO_REGION, 'export-orders') },
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin'
    })
  ]
  return s
}
