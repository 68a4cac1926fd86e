import { GoogleHttp, withContext } from './http'
import { iamResource, type IamResource } from './iam-policy'
import type { Project } from './types'

/** Resource Manager v1: the project's number (for the Scheduler service agent) and its policy. */
export interface ProjectsClient {
  readonly iam: IamResource
  getProject(projectId: string): Promise<Project>
}

export class RestProjectsClient implements ProjectsClient {
  readonly iam: IamResource

  constructor(private readonly http: GoogleHttp) {
    this.iam = iamResource(http, 'v1', 'body')
  }

  getProject(projectId: string): Promise<Project> {
    return withContext(`Failed to read project ${projectId}`, () => this.http.request<Project>(`v1/projects/${projectId}`))
  }
}
