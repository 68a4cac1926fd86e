import { apiRoot } from './endpoints'
import { Semaphore } from '../limit'
import { DEFAULT_RETRY, GoogleHttp, MAX_IN_FLIGHT, type Debug, type RetryPolicy, type TokenSource } from './http'
import { FunctionsClient } from './functions'
import { IamClient } from './iam'
import { LoggingClient } from './logging'
import { ProjectsClient } from './projects'
import { RunClient } from './run'
import { SchedulerClient } from './scheduler'

/** Every Google API the action talks to, each behind its thin client. */
export interface GoogleClients {
  scheduler: SchedulerClient
  functions: FunctionsClient
  run: RunClient
  projects: ProjectsClient
  iam: IamClient
  logging: LoggingClient
}

export function createClients(token: TokenSource, universe: string, debug?: Debug, env: NodeJS.ProcessEnv = process.env, retry?: RetryPolicy): GoogleClients {
  // One bound on calls in flight across every API, so a project-wide audit never bursts.
  const inFlight = new Semaphore(MAX_IN_FLIGHT)
  const http = (api: Parameters<typeof apiRoot>[0]) => new GoogleHttp(apiRoot(api, universe, env), token, debug, retry ?? DEFAULT_RETRY, inFlight)
  return {
    scheduler: new SchedulerClient(http('CLOUDSCHEDULER')),
    functions: new FunctionsClient(http('CLOUDFUNCTIONS')),
    run: new RunClient(http('RUN')),
    projects: new ProjectsClient(http('CLOUDRESOURCEMANAGER')),
    iam: new IamClient(http('IAM')),
    logging: new LoggingClient(http('LOGGING'))
  }
}
