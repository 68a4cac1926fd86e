import { GoogleHttp, listAll, withContext } from './http'
import type { DenyPolicy, ServiceAccount } from './types'

/**
 * IAM: service accounts (whether the job's account can sign, and whether the caller may act as
 * it) and IAM v2 deny policies, which Google evaluates before any allow policy.
 */
export interface IamClient {
  testServiceAccountPermissions(email: string, permissions: string[]): Promise<string[]>
  getServiceAccount(email: string): Promise<ServiceAccount>
  /**
   * The deny policies attached to a resource (`cloudresourcemanager.googleapis.com/projects/P`,
   * `…/folders/ID`, `…/organizations/ID`). Google lists them without their rules.
   */
  listDenyPolicies(attachmentPoint: string): Promise<DenyPolicy[]>
  /** One deny policy with its rules (`policies/ATTACHMENT/denypolicies/ID`). */
  getDenyPolicy(name: string): Promise<DenyPolicy>
}

export class RestIamClient implements IamClient {
  constructor(private readonly http: GoogleHttp) {}

  async testServiceAccountPermissions(email: string, permissions: string[]): Promise<string[]> {
    const res = await withContext(`Failed to test permissions on service account ${email}`, () =>
      this.http.request<{ permissions?: string[] }>(`v1/projects/-/serviceAccounts/${email}:testIamPermissions`, { body: { permissions } })
    )
    return res.permissions ?? []
  }

  getServiceAccount(email: string): Promise<ServiceAccount> {
    return withContext(`Failed to read service account ${email}`, () => this.http.request<ServiceAccount>(`v1/projects/-/serviceAccounts/${email}`))
  }

  listDenyPolicies(attachmentPoint: string): Promise<DenyPolicy[]> {
    return withContext(`Failed to list the deny policies of ${attachmentPoint}`, () =>
      listAll<DenyPolicy>(this.http, `v2/policies/${attachmentSegment(attachmentPoint)}/denypolicies`, 'policies')
    )
  }

  getDenyPolicy(name: string): Promise<DenyPolicy> {
    const m = /^policies\/(.+)\/denypolicies\/([^/]+)$/.exec(name)
    const path = m ? `v2/policies/${attachmentSegment(decodeURIComponent(m[1]))}/denypolicies/${m[2]}` : `v2/${name}`
    return withContext(`Failed to read deny policy ${name}`, () => this.http.request<DenyPolicy>(path))
  }
}

/**
 * The attachment point in a URL path. A policy's name holds it URL-encoded (`…%2Fprojects%2FP`),
 * and that name is itself one path segment, so the request encodes it once more (`%252F`), as
 * Google's REST examples and gcloud do.
 */
const attachmentSegment = (attachmentPoint: string): string => encodeURIComponent(encodeURIComponent(attachmentPoint))
