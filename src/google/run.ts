import { GoogleHttp } from './http'
import { iamResource, withContext, type IamResource } from './iam-policy'
import type { RunService } from './types'

/** Cloud Run Admin v2 services: where gen 2 functions and services are invoked. */
export class RunClient {
  readonly iam: IamResource

  constructor(private readonly http: GoogleHttp) {
    this.iam = iamResource(http, 'v2', 'query')
  }

  getService(name: string): Promise<RunService> {
    return withContext(`Failed to read service ${name}`, () => this.http.request<RunService>(`v2/${name}`))
  }

  async listServices(parent: string): Promise<RunService[]> {
    const services: RunService[] = []
    let pageToken: string | undefined
    do {
      const page = await withContext(`Failed to list services in ${parent}`, () =>
        this.http.request<{ services?: RunService[]; nextPageToken?: string }>(`v2/${parent}/services`, { query: { pageSize: 500, pageToken } })
      )
      services.push(...(page.services ?? []))
      pageToken = page.nextPageToken || undefined
    } while (pageToken)
    return services
  }
}
