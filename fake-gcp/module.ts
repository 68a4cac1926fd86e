/** What one API module of the stand-in declares; apis.ts lists them. */
import type { Api } from '../src/google/endpoints'
import type { Attempts } from './attempts'
import type { Roles } from './roles'
import type { Route } from './router'
import type { FakeState } from './state'

/**
 * APIs the action never calls but gcloud does in the conformance commands, by override id.
 * Empty today: every command there uses an API the action calls too.
 */
export const GCLOUD_ONLY_APIS = [] as const
export type ServedApi = Api | (typeof GCLOUD_ONLY_APIS)[number]

/** What a module's routes may hold on to beyond the request context. */
export interface ModuleEnv {
  state: FakeState
  attempts: Attempts
}

export interface ApiModule {
  /** for messages */
  name: string
  /**
   * The Google APIs it serves, by gcloud's endpoint-override id (CLOUDSDK_API_ENDPOINT_OVERRIDES_<id>,
   * whose host is `<id lowercased>.googleapis.com`). Empty for endpoints that are not Google APIs.
   */
  apis: readonly ServedApi[]
  /** OAuth scopes besides cloud-platform that cover every method it serves (from the API's discovery document) */
  scopes?: readonly string[]
  /** loads its part of the scenario into state; modules load in registry order */
  load?: (state: FakeState) => void
  routes: (env: ModuleEnv) => Route[]
  /** the predefined roles of its API (basic roles are shared, in roles.ts) */
  roles?: Roles
}
