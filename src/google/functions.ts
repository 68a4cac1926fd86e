import { GoogleHttp, listAll, withContext } from './http'
import { iamResource, type IamResource } from './iam-policy'
import type { CloudFunction } from './types'

/** Cloud Functions: the v2 API reads gen 1 and gen 2 alike; a gen 1 function's IAM lives on v1. */
export interface FunctionsClient {
  /** The v1 policy: where `roles/cloudfunctions.invoker` of a gen 1 function is granted. */
  readonly iamV1: IamResource
  /** The v2 function's own policy (for a gen 2 function it does not govern invocation). */
  readonly iamV2: IamResource
  /** Gen 1 and gen 2 functions of `projects/P/locations/L`, following pages. */
  listFunctions(parent: string): Promise<CloudFunction[]>
  getFunction(name: string): Promise<CloudFunction>
}

export class RestFunctionsClient implements FunctionsClient {
  readonly iamV1: IamResource
  readonly iamV2: IamResource

  constructor(private readonly http: GoogleHttp) {
    this.iamV1 = iamResource(http, 'v1', 'query')
    this.iamV2 = iamResource(http, 'v2', 'query')
  }

  listFunctions(parent: string): Promise<CloudFunction[]> {
    return withContext(`Failed to list functions in ${parent}`, () => listAll<CloudFunction>(this.http, `v2/${parent}/functions`, 'functions'))
  }

  getFunction(name: string): Promise<CloudFunction> {
    return withContext(`Failed to read function ${name}`, () => this.http.request<CloudFunction>(`v2/${name}`))
  }
}
