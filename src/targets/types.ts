/**
 * What every target kind provides. The engine speaks only these shapes: it never asks which
 * kind a target is, it asks the target's kind.
 */
import type { GoogleClients, IamApi } from '../google/clients'
import type { Job, Policy } from '../google/types'

/** A resource a Scheduler job calls, as the engine needs it, whatever its kind. */
export interface Target {
  kind: TargetKind
  /** The resource a job calls, as a person names it: the function or the service. */
  name: string
  /** Where the invoker role is bound: a gen 1 function itself, else the Cloud Run service. */
  bindingResource: string
  /** The binding resource's policy, as read (version 3). */
  policy: Policy
  /** Every URL that calls this target; the first is the one a remedy points a job at. */
  urls: string[]
  /** Audiences the target accepts in an OIDC token. */
  audiences: string[]
  /** Cloud Run custom audiences (kept when a job already carries one). */
  customAudiences: string[]
  /** Raw ingress setting of the function or service. */
  ingress?: string
  /** The target lets anyone invoke it (Cloud Run `invokerIamDisabled`). */
  invokerIamDisabled: boolean
  /** Custom-domain origins a domain mapping routes to it: they call it, but are not audiences it accepts. */
  aliases?: string[]
  /** Its `run.app` URLs do not resolve (Cloud Run `defaultUriDisabled`). */
  defaultUriDisabled?: boolean
  /** Identity-Aware Proxy checks each request first (Cloud Run `iapEnabled`). */
  iapEnabled?: boolean
  /** A policy read only to explain a grant that landed on the wrong resource (a gen 2 function's own). */
  lookalikePolicy?: Policy
}

/** HTTP targets (functions, services) take an OIDC ID token whose audience they check. */
export interface OidcAuth {
  readonly type: 'oidc'
  /** What audience it accepts, in general terms: the reason given with a drifted audience. */
  readonly audienceHint: string
  /** Why an audience is refused, naming the accepted ones: "a gen 1 function accepts only its URL …". */
  audienceRule(t: Target): string
  /** The audience a job should carry when the `audience` input is empty. */
  defaultAudience(t: Target, uri: string, current: string | undefined): string
  /** Whether a custom audience (the `audience` input) is accepted beyond `t.audiences`. */
  acceptsCustom(t: Target, audience: string): boolean
}

/** Google APIs take an OAuth access token, and their methods here are POSTs. */
export interface OauthAuth {
  readonly type: 'oauth'
}

/** What calling the target takes for one job: the role fix grants, and every role that is enough. */
export interface Access {
  role: string
  permission: string
  /** Predefined roles that hold `permission` (the granted role first). */
  roles: string[]
  /** Why a wider role is needed, when it is (a body with `overrides`). */
  why?: string
}

/** The end of an execution an attempt created (Cloud Run job, workflow). */
export interface ExecutionResult {
  name: string
  /** The final state, or the last one seen when the wait ran out. */
  state: string
  succeeded: boolean
  /** Still running at the deadline. */
  running: boolean
  durationMs?: number
  error?: string
}

/** One kind of target: everything that differs between kinds lives behind this. */
export interface TargetKind {
  /** Short id, stable in outputs and logs: `gen1`, `gen2`, `service`, … */
  readonly id: string
  /** How a person calls it: "gen 1 function". */
  readonly noun: string
  /** The word for its binding resource in "granted on the …". */
  readonly bindingNoun: string
  readonly auth: OidcAuth | OauthAuth
  /** Where the binding resource's policy is read and written. */
  readonly iam: IamApi
  /** What fix mode needs on the binding resource to grant a role, and a role that holds it. */
  readonly setIamPolicy: { permission: string; role: string }
  /** What invoking the target takes for this job. */
  access(t: Target, job: Job): Access
  /** Whether a job URI calls this target (one of its URLs, as the target matches them). */
  calls(t: Target, uri: string): boolean
  /** Grants people make by mistake that look like the right one, to explain a 403. */
  nearMisses(t: Target, member: string): string[]
  /** The command that grants `role` to `member` on the binding resource. */
  grantCommand(t: Target, member: string, role: string): string
  /** The resource Policy Troubleshooter is asked about: `//run.googleapis.com/projects/…/services/S`. */
  fullResourceName(t: Target): string
  /** The command that opens the target's ingress to all traffic (targets that have an ingress setting). */
  openIngressCommand?(t: Target): string
  /** Follows the execution an attempt created (after `sinceMs`) to its end, or to `deadline`. */
  followExecution?(g: GoogleClients, t: Target, sinceMs: number, deadline: number, pollMs: number): Promise<ExecutionResult>
}

/** Told of each resource fix mode might write, as soon as it is known (see the permission probe). */
export interface Writable {
  resource: string
  iam: IamApi
  permissions: string[]
}

/** What a locator needs to read targets: the clients, the region, and shared memos. */
export interface ReadContext {
  g: GoogleClients
  /** The run's project id. */
  project: string
  /** `projects/P/locations/REGION`: where named targets and listings live. */
  parent: string
  /** The universe's domain (`googleapis.com`): Google API URLs are under it. */
  universe: string
  /** The project's policy, read once for the whole run (targets bound on the project share it). */
  projectPolicy(): Promise<Policy>
  /** A target read once however many jobs share it. */
  memo(key: string, read: () => Promise<Target>): Promise<Target>
  /** A listing of the region made once per run (started early when an audit will need it). */
  listing<T>(key: string, list: () => Promise<T[]>): Promise<T[]>
  /** That listing if it was started: a read then takes the target from it instead of a call. */
  started<T>(key: string): Promise<T[]> | undefined
  writable(w: Writable): void
}

/** A reference parsed from an input: an id, or a full name with its project and region. */
export interface TargetRef {
  project?: string
  region?: string
  id: string
}

/**
 * How targets are found: from an input that names one, or from a job's URI. One locator may
 * yield several kinds (a function is gen 1 or gen 2 only once read).
 */
export interface Locator {
  /** The input that names such a target (`function`, `service`). */
  readonly input: string
  /** The input's value, or a message naming what is wrong (thrown as NameError). */
  parseInput(value: string): TargetRef
  /** The full name of the target an input names, in the run's project and region. */
  fullName(ref: Required<TargetRef>): string
  /** Reads the target an input names. */
  read(ctx: ReadContext, name: string): Promise<Target>
  /** Whether a job URI is one of this locator's, and then the target it calls. */
  fromUri(uri: URL, universe: string): ((ctx: ReadContext) => Promise<Target>) | undefined
  /** Every region listing an audit should start early. */
  startListings?(ctx: ReadContext): void
}
