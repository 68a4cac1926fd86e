/**
 * The floor the APIs allow for each head-to-head job, derived from data dependencies alone: a
 * call waits only for a call whose answer it needs. The writes wait for the permission
 * preflight (the action writes nothing unless every write is allowed), and jobs.run for the
 * writes.
 *
 * Token, both cases: GitHub OIDC token → STS exchange → generateAccessToken (impersonation).
 * 3 rounds, each needs the previous answer; google-github-actions/auth pays the same.
 *
 * The gen 2 function (inputs: job, function, region, invoker_service_account):
 *
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
 *
 * The scheduled Cloud Run job (inputs: job, cloud_run_job, region; the invoker account is not
 * an input, the job's token names it):
 *
 * - Round 1: everything named by the inputs: jobs.get (the Scheduler job), run.jobs.get ‖
 *   run.jobs.getIamPolicy (the Cloud Run job holds the binding itself, no second resource to
 *   discover), projects.get, projects.getIamPolicy (the invoker role granted on the project, the
 *   Scheduler service agent).
 * - verify: nothing depends on a round-1 answer, so jobs.run can go in round 2 → floor 1 round.
 * - fix, speculative: cloudscheduler.jobs.update on the project and run.jobs.setIamPolicy on the
 *   Cloud Run job are named by the inputs, so projects.testIamPermissions ‖
 *   run.jobs.testIamPermissions go in round 1. actAs on the invoker account
 *   (iam.serviceAccounts.testIamPermissions, needed to give the job a token signed as it)
 *   cannot: the account is only known from jobs.get's answer (the job's OIDC token) → round 2.
 *   The writes (jobs.patch ‖ run.jobs.setIamPolicy) need the preflight → round 3, jobs.run in
 *   round 4 → floor 3 rounds.
 * - fix, without speculation: the plan needs round 1, the whole preflight goes in round 2 (the
 *   same round the actAs test needs anyway), writes in round 3 → also 3 rounds. Only naming the
 *   account in the inputs (`invoker_service_account`) would let the actAs test join round 1 and
 *   bring the floor to 2.
 */
export type Mode = 'fix' | 'verify'

export interface Floor {
  mode: Mode
  /** rounds after the token exchange, before jobs.run */
  api: number
  /** without speculative permission tests (fix) */
  apiNoSpeculation: number
  token: number
  levels: string[][]
}

/** The gen 2 function's floors. */
export const FLOORS: Record<Mode, Floor> = {
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

/** The scheduled Cloud Run job's floors. */
export const RUN_JOB_FLOORS: Record<Mode, Floor> = {
  verify: {
    mode: 'verify',
    api: 1,
    apiNoSpeculation: 1,
    token: 3,
    levels: [['scheduler.jobs.get', 'run.jobs.get', 'run.jobs.getIamPolicy', 'resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy']]
  },
  fix: {
    mode: 'fix',
    api: 3,
    apiNoSpeculation: 3,
    token: 3,
    levels: [
      [
        'scheduler.jobs.get',
        'run.jobs.get',
        'run.jobs.getIamPolicy',
        'resourcemanager.projects.get',
        'resourcemanager.projects.getIamPolicy',
        'resourcemanager.projects.testIamPermissions',
        'run.jobs.testIamPermissions'
      ],
      ['iam.serviceAccounts.testIamPermissions'],
      ['scheduler.jobs.patch', 'run.jobs.setIamPolicy']
    ]
  }
}
