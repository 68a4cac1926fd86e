import { GoogleHttp, withContext } from './http'
import type { TroubleshootResponse } from './types'

/** What Policy Troubleshooter is asked: may this principal use this permission on this resource? */
export interface AccessTuple {
  /** An email: the service account the job's token is issued for. */
  principal: string
  /** `//run.googleapis.com/projects/P/locations/R/services/S` and the like. */
  fullResourceName: string
  permission: string
}

/** Policy Troubleshooter v3: Google's own reading of every allow and deny policy that applies. */
export interface TroubleshooterClient {
  troubleshoot(tuple: AccessTuple): Promise<TroubleshootResponse>
}

export class RestTroubleshooterClient implements TroubleshooterClient {
  constructor(private readonly http: GoogleHttp) {}

  troubleshoot(accessTuple: AccessTuple): Promise<TroubleshootResponse> {
    return withContext(`Policy Troubleshooter could not answer for ${accessTuple.principal} on ${accessTuple.fullResourceName}`, () =>
      this.http.request<TroubleshootResponse>('v3/iam:troubleshoot', { body: { accessTuple } })
    )
  }
}
