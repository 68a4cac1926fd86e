/**
 * The floor the APIs allow for the head-to-head job (a gen 2 function named in the inputs),
 * derived from data dependencies alone: a call waits only for a call whose answer it needs.
 *
 * - Token: GitHub OIDC token → STS exchange → generateAccessToken (impersonation). 3 rounds,
 *   each needs the previous answer; google-github-actions/auth pays the same.
 * - Round 1: everything named by the inputs: jobs.get, functions.get, projects.get,
 *   projects.getIamPolicy (and the gen 2 function's own policy, if wanted).
 * - Round 2: the Cloud Run service behind the function is named by the function's
 *   `serviceConfig.service`: run.services.get ‖ run.services.getIamPolicy.
 * - verify: jobs.run can go in round 3 → floor 2 rounds before it.
 * - fix: the writes need the plan (round 2's answers) and the preflight. Which permissions to
 *   test is known before the plan: cloudscheduler.jobs.update on the project and actAs on the
 *   invoker account from the inputs (round 1), run.services.setIamPolicy once the service is
 *   named (round 2). Testing them speculatively alongside the reads, the writes
 *   (jobs.patch ‖ setIamPolicy) go in round 3 and jobs.run in round 4 → floor 3 rounds.
 *   Testing only the permissions the plan turns out to need puts the preflight in a round of
 *   its own → 4 rounds.
 */
export interface Floor {
  mode: 'fix' | 'verify'
  /** rounds after the token exchange, before jobs.run */
  api: number
  /** without speculative permission tests (fix) */
  apiNoSpeculation: number
  token: number
  levels: string[][]
}

export const FLOORS: Record<'fix' | 'verify', Floor> = {
  verify: {
    mode: 'verify',
    api: 2,
    apiNoSpeculation: 2,
    token: 3,
    levels: [
      ['scheduler.jobs.get', 'functions.functions.get', 'resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy'],
      ['run.services.get', 'run.services.getIamPolicy']
    ]
  },
  fix: {
    mode: 'fix',
    api: 3,
    apiNoSpeculation: 4,
    token: 3,
    levels: [
      [
        'scheduler.jobs.get',
        'functions.functions.get',
        'resourcemanager.projects.get',
        'resourcemanager.projects.getIamPolicy',
        'resourcemanager.projects.testIamPermissions',
        'iam.serviceAccounts.testIamPermissions'
      ],
      ['run.services.get', 'run.services.getIamPolicy', 'run.services.testIamPermissions'],
      ['scheduler.jobs.patch', 'run.services.setIamPolicy']
    ]
  }
}
