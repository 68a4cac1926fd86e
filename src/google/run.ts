import { GoogleHttp, listAll, withContext } from './http'
import { iamResource, type IamResource } from './iam-policy'
import type { DomainMapping, RunExecution, RunJob, RunService } from './types'

/** Cloud Run Admin v2: where gen 2 functions and services are invoked. */
export interface RunClient {
  /** IAM of any v2 resource (`projects/P/locations/L/services/S`). */
  readonly iam: IamResource
  getService(name: string): Promise<RunService>
  listServices(parent: string): Promise<RunService[]>
  getJob(name: string): Promise<RunJob>
  /** A job's executions, newest first (as Cloud Run lists them). */
  listExecutions(job: string): Promise<RunExecution[]>
  getExecution(name: string): Promise<RunExecution>
  /** The custom domains mapped to services in `projects/P/locations/R` (Admin v1). */
  listDomainMappings(parent: string): Promise<DomainMapping[]>
}

export class RestRunClient implements RunClient {
  readonly iam: IamResource

  constructor(private readonly http: GoogleHttp) {
    this.iam = iamResource(http, 'v2', 'query')
  }

  getService(name: string): Promise<RunService> {
    return withContext(`Failed to read service ${name}`, () => this.http.request<RunService>(`v2/${name}`))
  }

  listServices(parent: string): Promise<RunService[]> {
    return withContext(`Failed to list services in ${parent}`, () => listAll<RunService>(this.http, `v2/${parent}/services`, 'services'))
  }

  getJob(name: string): Promise<RunJob> {
    return withContext(`Failed to read Cloud Run job ${name}`, () => this.http.request<RunJob>(`v2/${name}`))
  }

  listExecutions(job: string): Promise<RunExecution[]> {
    return withContext(`Failed to list the executions of ${job}`, () => listAll<RunExecution>(this.http, `v2/${job}/executions`, 'executions'))
  }

  getExecution(name: string): Promise<RunExecution> {
    return withContext(`Failed to read execution ${name}`, () => this.http.request<RunExecution>(`v2/${name}`))
  }

  async listDomainMappings(parent: string): Promise<DomainMapping[]> {
    // Domain mappings exist only in Admin v1, which lists in one page without pageSize.
    const res = await withContext(`Failed to list the domain mappings in ${parent}`, () =>
      this.http.request<{ items?: DomainMapping[] }>(`v1/${parent}/domainmappings`)
    )
    return res.items ?? []
  }
}
