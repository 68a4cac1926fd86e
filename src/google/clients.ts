import { apiRoot, type Api } from './endpoints'
import { Semaphore } from '../limit'
import { DEFAULT_RETRY, GoogleHttp, MAX_IN_FLIGHT, type Debug, type RetryPolicy, type TokenSource } from './http'
import { RestFunctionsClient, type FunctionsClient } from './functions'
import { RestIamClient, type IamClient } from './iam'
import type { IamResource } from './iam-policy'
import { RestLoggingClient, type LoggingClient } from './logging'
import { RestProjectsClient, type ProjectsClient } from './projects'
import { RestRunClient, type RunClient } from './run'
import { RestSchedulerClient, type SchedulerClient } from './scheduler'
import { RestTroubleshooterClient, type TroubleshooterClient } from './troubleshooter'
import { RestWorkflowsClient, type WorkflowsClient } from './workflows'

/** Every Google API the engine talks to, each behind its narrow interface (tests hand in fakes). */
export interface GoogleClients {
  scheduler: SchedulerClient
  functions: FunctionsClient
  run: RunClient
  projects: ProjectsClient
  iam: IamClient
  logging: LoggingClient
  workflows: WorkflowsClient
  troubleshooter: TroubleshooterClient
}

/**
 * The IAM surfaces a binding can live on, by API and version: a resource's policy is read and
 * written through the surface its target kind names, so apply needs no knowledge of kinds.
 */
export type IamApi = 'cloudfunctions.v1' | 'cloudfunctions.v2' | 'run.v2' | 'cloudresourcemanager.v1'

export function iamOf(g: GoogleClients, api: IamApi): IamResource {
  const surfaces: Record<IamApi, IamResource> = {
    'cloudfunctions.v1': g.functions.iamV1,
    'cloudfunctions.v2': g.functions.iamV2,
    'run.v2': g.run.iam,
    'cloudresourcemanager.v1': g.projects.iam
  }
  return surfaces[api]
}

export function createClients(token: TokenSource, universe: string, debug?: Debug, env: NodeJS.ProcessEnv = process.env, retry?: RetryPolicy): GoogleClients {
  // One bound on calls in flight across every API, so a project-wide audit never bursts.
  const inFlight = new Semaphore(MAX_IN_FLIGHT)
  const http = (api: Api) => new GoogleHttp(apiRoot(api, universe, env), token, debug, retry ?? DEFAULT_RETRY, inFlight)
  return {
    scheduler: new RestSchedulerClient(http('CLOUDSCHEDULER')),
    functions: new RestFunctionsClient(http('CLOUDFUNCTIONS')),
    run: new RestRunClient(http('RUN')),
    projects: new RestProjectsClient(http('CLOUDRESOURCEMANAGER')),
    iam: new RestIamClient(http('IAM')),
    logging: new RestLoggingClient(http('LOGGING')),
    workflows: new RestWorkflowsClient(http('WORKFLOWS'), http('WORKFLOWEXECUTIONS')),
    troubleshooter: new RestTroubleshooterClient(http('POLICYTROUBLESHOOTER'))
  }
}
