import { GoogleHttp, withContext } from './http'

/** IAM API: permissions the caller holds on a service account (for `iam.serviceAccounts.actAs`). */
export interface IamClient {
  testServiceAccountPermissions(email: string, permissions: string[]): Promise<string[]>
}

export class RestIamClient implements IamClient {
  constructor(private readonly http: GoogleHttp) {}

  async testServiceAccountPermissions(email: string, permissions: string[]): Promise<string[]> {
    const res = await withContext(`Failed to test permissions on service account ${email}`, () =>
      this.http.request<{ permissions?: string[] }>(`v1/projects/-/serviceAccounts/${email}:testIamPermissions`, { body: { permissions } })
    )
    return res.permissions ?? []
  }
}
