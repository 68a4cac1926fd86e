import { GoogleHttp, withContext } from './http'
import type { Policy } from './types'

/** The three IAM methods every resource with a policy has; one implementation per URL style. */
export interface IamResource {
  getIamPolicy(resource: string): Promise<Policy>
  setIamPolicy(resource: string, policy: Policy): Promise<Policy>
  testIamPermissions(resource: string, permissions: string[]): Promise<string[]>
}

/**
 * IAM methods at `<version>/<resource>:getIamPolicy`. `getStyle` is how the API takes the
 * requested policy version: as a GET query (Functions, Run) or a POST body (Resource Manager).
 */
export function iamResource(http: GoogleHttp, version: string, getStyle: 'query' | 'body'): IamResource {
  return {
    getIamPolicy: resource =>
      withContext(`Failed to read the IAM policy of ${resource}`, () =>
        getStyle === 'query'
          ? http.request<Policy>(`${version}/${resource}:getIamPolicy`, { query: { 'options.requestedPolicyVersion': 3 } })
          : http.request<Policy>(`${version}/${resource}:getIamPolicy`, { body: { options: { requestedPolicyVersion: 3 } } })
      ),
    setIamPolicy: (resource, policy) =>
      withContext(`Failed to set the IAM policy of ${resource}`, () => http.request<Policy>(`${version}/${resource}:setIamPolicy`, { body: { policy } })),
    testIamPermissions: async (resource, permissions) =>
      (
        await withContext(`Failed to test permissions on ${resource}`, () =>
          http.request<{ permissions?: string[] }>(`${version}/${resource}:testIamPermissions`, { body: { permissions } })
        )
      ).permissions ?? []
  }
}
