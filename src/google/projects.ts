import { GoogleHttp, withContext } from './http'
import { iamResource, type IamResource } from './iam-policy'
import type { Ancestry, Project } from './types'

/**
 * Resource Manager: the project's number (for the Scheduler service agent), its policy, and the
 * folders and organization above it, whose policies every permission check inherits.
 */
export interface ProjectsClient {
  readonly iam: IamResource
  /** IAM of the project's ancestors (`folders/ID`, `organizations/ID`), read-only here. */
  readonly ancestorIam: Pick<IamResource, 'getIamPolicy'>
  getProject(projectId: string): Promise<Project>
  /** The project, then its folders nearest first, then the organization: one call for the whole chain. */
  getAncestry(projectId: string): Promise<Ancestry>
}

export class RestProjectsClient implements ProjectsClient {
  readonly iam: IamResource
  readonly ancestorIam: Pick<IamResource, 'getIamPolicy'>

  constructor(private readonly http: GoogleHttp) {
    this.iam = iamResource(http, 'v1', 'body')
    this.ancestorIam = iamResource(http, 'v3', 'body')
  }

  getProject(projectId: string): Promise<Project> {
    return withContext(`Failed to read project ${projectId}`, () => this.http.request<Project>(`v1/projects/${projectId}`))
  }

  getAncestry(projectId: string): Promise<Ancestry> {
    return withContext(`Failed to read the ancestry of project ${projectId}`, () =>
      this.http.request<Ancestry>(`v1/projects/${projectId}:getAncestry`, { body: {} })
    )
  }
}
