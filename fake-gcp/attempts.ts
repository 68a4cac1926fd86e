/**
 * What happens after jobs:run: Cloud Scheduler mints the job's token (if its service agent may),
 * calls the target, and the target applies its own auth rules. Then the job's status and the
 * `executions` log entries are written.
 */
import { randomBytes } from 'node:crypto'
import { apiOfHost } from './apis'
import { CLOUD_PLATFORM } from './router'
import type { Job } from './scenario'
import type { Incoming, Outgoing } from './server'
import { safeOrigin, type FakeState, type FunctionRec, type LogEntry, type ServiceRec } from './state'
import { signJwt, verifyJwt } from './tokens'

/** The stand-in's own front door for a request to `api` (the override id its host names). */
export type GoogleApiDispatch = (api: string, req: Incoming) => Promise<Outgoing>

type Credential = { type: 'id'; jwt: string } | { type: 'access'; token: string } | undefined

export interface AttemptOutcome {
  status: number
  /** why the target answered as it did, for debugging tests */
  reason: string
  /** set when Scheduler sent nothing: the RPC status name the attempt fails with (no HTTP response, so no httpRequest in the log) */
  notSent?: string
}

const HTTP_TO_RPC: Record<number, [number, string]> = {
  400: [3, 'INVALID_ARGUMENT'],
  401: [16, 'UNAUTHENTICATED'],
  403: [7, 'PERMISSION_DENIED'],
  404: [5, 'NOT_FOUND'],
  409: [10, 'ABORTED'],
  429: [8, 'RESOURCE_EXHAUSTED'],
  500: [13, 'INTERNAL'],
  501: [12, 'UNIMPLEMENTED'],
  503: [14, 'UNAVAILABLE'],
  504: [4, 'DEADLINE_EXCEEDED']
}

const RPC_CODE: Record<string, number> = Object.fromEntries(Object.values(HTTP_TO_RPC).map(([code, name]) => [name, code]))

function debugInfo(status: number): string {
  const kind =
    status === 401 || status === 403
      ? 'URL_ERROR-ERROR_AUTHENTICATION'
      : status === 404
        ? 'URL_ERROR-ERROR_NOT_FOUND'
        : status >= 500
          ? 'URL_UNREACHABLE-UNREACHABLE_5xx'
          : 'URL_ERROR-ERROR_OTHER'
  return `${kind}. Original HTTP response code number = ${status}`
}

export class Attempts {
  private readonly pending = new Set<Promise<void>>()
  private readonly timers = new Set<NodeJS.Timeout>()
  constructor(
    private readonly state: FakeState,
    private readonly googleApi: GoogleApiDispatch
  ) {}

  /** Schedule the attempt jobs:run asked for; the run call itself has already answered. */
  trigger(jobName: string): void {
    const runAt = new Date()
    const p = new Promise<void>(resolve => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        this.perform(jobName, runAt)
          .catch((e: Error) => process.stderr.write(`fake-gcp: attempt of ${jobName} crashed: ${e.stack}\n`))
          .finally(resolve)
      }, this.state.settings.attemptDelayMs)
      this.timers.add(t)
    })
    this.pending.add(p)
    void p.then(() => this.pending.delete(p))
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending])
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  async perform(jobName: string, scheduledAt: Date): Promise<AttemptOutcome> {
    const job = this.state.jobs.get(jobName)
    if (!job) return { status: 404, reason: 'job deleted' }
    const start = new Date(Math.max(Date.now(), scheduledAt.getTime() + 1))
    const uri = job.httpTarget?.uri ?? ''
    const base = { jobName, scheduledTime: scheduledAt.toISOString(), targetType: 'HTTP', url: uri }
    const [, project, location, jobId] = /^projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/]+)$/.exec(jobName) ?? []
    this.log(project, location, jobId, start, 'INFO', {
      '@type': 'type.googleapis.com/google.cloud.scheduler.logging.AttemptStarted',
      ...base
    })
    const outcome = this.unsignable(job, project) ?? (await this.callTarget(job, this.mintCredential(job, project)))
    const ok = !outcome.notSent && outcome.status >= 200 && outcome.status < 300
    const finished = new Date(Math.max(Date.now(), start.getTime() + 1))
    const payload: Record<string, unknown> = { '@type': 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished', ...base }
    const rpc = outcome.notSent ? [RPC_CODE[outcome.notSent] ?? 2, outcome.notSent] : HTTP_TO_RPC[outcome.status]
    const info = outcome.notSent ? outcome.reason : debugInfo(outcome.status)
    if (!ok) {
      payload.status = rpc?.[1] ?? 'UNKNOWN'
      payload.debugInfo = info
    }
    this.log(project, location, jobId, finished, ok ? 'INFO' : 'ERROR', payload, outcome.notSent ? undefined : { status: outcome.status })
    // lastAttemptTime and status change together, at the end, as a reader of the job sees them
    job.lastAttemptTime = start.toISOString()
    job.status = ok ? {} : { code: this.state.settings.coarseStatus ? 2 : Number(rpc?.[0] ?? 2), message: info }
    return outcome
  }

  /**
   * A disabled account cannot sign ("requests for new access tokens will fail", IAM's
   * DisableServiceAccount reference), so Scheduler has no token to send. What Scheduler then
   * logs is not documented; the stand-in's choice: nothing is sent to the target, and the attempt
   * fails with PERMISSION_DENIED, no httpRequest, and a debugInfo of our own wording. Only when the
   * service agent may mint at all (otherwise the request goes out without a token, as before).
   */
  private unsignable(job: Job, project: string): AttemptOutcome | undefined {
    const t = job.httpTarget
    const email = t?.oidcToken?.serviceAccountEmail ?? t?.oauthToken?.serviceAccountEmail
    const proj = this.state.project(project)
    if (!email || !proj || !this.state.serviceAccount(email)?.disabled) return undefined
    const agent = `serviceAccount:service-${proj.projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`
    if (!this.state.policies.hasBinding(`projects/${proj.projectId}`, 'roles/cloudscheduler.serviceAgent', agent)) return undefined
    const kind = t?.oidcToken?.serviceAccountEmail ? 'OIDC' : 'OAuth'
    return {
      status: 403,
      notSent: 'PERMISSION_DENIED',
      reason: `Failed to generate an ${kind} token for service account ${email}: the service account is disabled.`
    }
  }

  /** Scheduler only mints a token when its service agent holds its role on the project. */
  private mintCredential(job: Job, project: string): Credential {
    const t = job.httpTarget
    const proj = this.state.project(project)
    if (!t || !proj) return undefined
    const agent = `serviceAccount:service-${proj.projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`
    if (!this.state.policies.hasBinding(`projects/${proj.projectId}`, 'roles/cloudscheduler.serviceAgent', agent)) return undefined
    if (t.oidcToken?.serviceAccountEmail) {
      const email = t.oidcToken.serviceAccountEmail
      const now = Math.floor(Date.now() / 1000)
      const sub = this.state.serviceAccount(email)?.uniqueId ?? '100000000000000000000'
      return {
        type: 'id',
        jwt: signJwt(this.state.google, {
          iss: 'https://accounts.google.com',
          aud: t.oidcToken.audience || t.uri, // empty audience: Scheduler uses the full URI, path and query included
          azp: sub,
          sub,
          email,
          email_verified: true,
          iat: now,
          exp: now + 3600
        })
      }
    }
    if (t.oauthToken?.serviceAccountEmail) {
      // Scheduler's OAuthToken.scope: "If not specified, https://www.googleapis.com/auth/cloud-platform will be used."
      const scopes = (t.oauthToken.scope ?? '').split(/[\s,]+/).filter(Boolean)
      const identity = this.state.identity(`serviceAccount:${t.oauthToken.serviceAccountEmail}`)
      return { type: 'access', token: this.state.tokens.mint(identity, 'access', 3600, scopes.length ? scopes : [CLOUD_PLATFORM]) }
    }
    return undefined
  }

  /** The target's own front door: ingress, then public access, then token, audience and invoker role. */
  async callTarget(job: Job, cred: Credential): Promise<AttemptOutcome> {
    const uri = job.httpTarget?.uri ?? ''
    const host = /^https?:\/\/([^/?#]+)/i.exec(uri)?.[1].toLowerCase() ?? ''
    const api = apiOfHost(host)
    if (api) return this.callGoogleApi(job, api, host, cred)
    const fn = this.state.functionByUrl(uri)
    // Internal ingress admits Scheduler from the target's own project (Google's ingress pages for
    // Cloud Run and functions); the stand-in has no VPC Service Controls perimeters.
    const from = job.name.split('/')[1]
    if (fn) return fn.spec.environment === 'GEN_1' ? this.gen1(fn, cred, from) : this.gen2(fn, cred, from)
    const origin = safeOrigin(uri)
    const svc = origin && /\.run\.app$/.test(new URL(origin).hostname) ? this.state.serviceByOrigin(origin) : undefined
    if (svc) {
      // "Disables public resolution of the default URI of this service" (GoogleCloudRunV2Service.defaultUriDisabled);
      // Google's docs do not say what a caller then gets: the stand-in answers 404, as Google's front end does for a
      // run.app host it does not serve (our choice), and the service never sees the request.
      if (svc.spec.defaultUriDisabled) return { status: 404, reason: `the default run.app URL of ${svc.name} is disabled` }
      return this.runService(svc, cred, from, [], svc.spec.response)
    }
    // A custom domain mapped to a service: the same checks as its run.app URL, and the audience must
    // still be one of the service's run.app URLs or a custom audience ("Clients that call an
    // IAM-protected Cloud Run service must provide a valid ID token that includes an audience claim
    // matching the receiving service's *.run.app URL. For clients that don't know this URL, you can
    // use a custom audience value." — Cloud Run's custom audiences page): the domain itself is not one.
    const mapping = this.state.domainMappings.get(host.replace(/:\d+$/, ''))
    if (mapping) {
      const mapped = this.state.services.get(`projects/${mapping.project}/locations/${mapping.region}/services/${mapping.service}`)
      if (mapped) return this.runService(mapped, cred, from, [], mapped.spec.response)
    }
    return { status: 404, reason: `no function or service serves ${uri}` }
  }

  private gen1(fn: FunctionRec, cred: Credential, from: string): AttemptOutcome {
    if (fn.spec.state && fn.spec.state !== 'ACTIVE') return { status: 404, reason: `function is ${fn.spec.state}` }
    // Functions turn away what their ingress does not admit with 404.
    if (!admits(fn.spec.ingressSettings, fn.name, from))
      return { status: 404, reason: `ingress ${fn.spec.ingressSettings} does not admit Scheduler from ${from}` }
    const resp = fn.spec.response ?? { status: 200 }
    if (this.invokerAllowed('allUsers', fn.name, 'cloudfunctions.functions.invoke')) return { status: resp.status, reason: 'public function' }
    const check = this.checkToken(cred, [fn.url])
    if (check) return check
    const email = this.emailOf(cred)
    if (!this.invokerAllowed(`serviceAccount:${email}`, fn.name, 'cloudfunctions.functions.invoke'))
      return { status: 403, reason: `${email} lacks cloudfunctions.functions.invoke on ${fn.name}` }
    return { status: resp.status, reason: 'invoked' }
  }

  private gen2(fn: FunctionRec, cred: Credential, from: string): AttemptOutcome {
    if (fn.spec.state && fn.spec.state !== 'ACTIVE') return { status: 404, reason: `function is ${fn.spec.state}` }
    if (!admits(fn.spec.ingressSettings, fn.name, from))
      return { status: 403, reason: `ingress ${fn.spec.ingressSettings} does not admit Scheduler from ${from}` }
    const svc = this.state.services.get(fn.serviceName!)!
    return this.runService(svc, cred, from, [fn.url], fn.spec.response ?? svc.spec.response)
  }

  private runService(svc: ServiceRec, cred: Credential, from: string, extraAudiences: string[], response?: { status: number }): AttemptOutcome {
    const resp = response ?? { status: 200 }
    if (!admits(svc.spec.ingress, svc.name, from)) return { status: 403, reason: `ingress ${svc.spec.ingress} does not admit Scheduler from ${from}` }
    if (svc.spec.iapEnabled) return this.throughIap(svc, cred, extraAudiences, resp)
    if (svc.spec.invokerIamDisabled) return { status: resp.status, reason: 'invoker IAM check disabled' }
    if (this.invokerAllowed('allUsers', svc.name, 'run.routes.invoke')) return { status: resp.status, reason: 'public service' }
    // Cloud Run compares the audience with the service's URLs as origins: a path makes it a mismatch
    const audiences = [...new Set([svc.uri, ...svc.urls].map(u => safeOrigin(u) ?? u))]
    const check = this.checkToken(cred, [...audiences, ...(svc.spec.customAudiences ?? []), ...extraAudiences])
    if (check) return check
    const email = this.emailOf(cred)
    if (!this.invokerAllowed(`serviceAccount:${email}`, svc.name, 'run.routes.invoke'))
      return { status: 403, reason: `${email} lacks run.routes.invoke on ${svc.name}` }
    return { status: resp.status, reason: 'invoked' }
  }

  /**
   * Identity-Aware Proxy on the service (GoogleCloudRunV2Service.iapEnabled). Cloud Run's IAP page:
   * "The IAP check happens first and accepts or blocks requests based on the IAP configuration.
   * If the request passes the IAP check, IAP uses its own service account to authenticate to Cloud
   * Run's IAM check." So: IAP wants a Google-signed ID token (an access token or a bad token → 401,
   * IAP's "Invalid IAP credentials: …", as seen for an access token in
   * googleapis/google-auth-library-nodejs#792; no token at all → 401 too, our choice: a browser
   * would be redirected to sign in, what a Scheduler attempt then records is not documented), then `iap.webServiceVersions.accessViaIAP`
   * (roles/iap.httpsResourceAccessor) for the caller → 403; then Cloud Run checks
   * run.routes.invoke for IAP's service agent service-PROJECT_NUMBER@gcp-sa-iap.iam.gserviceaccount.com,
   * not for the job's account. Modelling choices: IAP accepts the same audiences Cloud Run would
   * (IAP's programmatic-auth page speaks of its own OAuth client ID; which audiences a direct
   * Cloud Run IAP accepts is not spelled out), and only grants on the project and above count
   * (IAP's managing-access page: "Lists of users who have access (the 'principals') at the project
   * level applies to all IAP-secured resources in the project"), as the stand-in does not serve
   * IAP's own per-service policy (iap.googleapis.com).
   */
  private throughIap(svc: ServiceRec, cred: Credential, extraAudiences: string[], resp: { status: number }): AttemptOutcome {
    const audiences = [...new Set([svc.uri, ...svc.urls].map(u => safeOrigin(u) ?? u))]
    const check = this.checkToken(cred, [...audiences, ...(svc.spec.customAudiences ?? []), ...extraAudiences])
    if (check) return { status: 401, reason: `IAP: ${check.reason}` }
    const email = this.emailOf(cred)
    const project = `projects/${svc.project}`
    const who = this.state.identity(`serviceAccount:${email}`)
    if (!this.state.policies.allows(who, this.state.ancestry(project), 'iap.webServiceVersions.accessViaIAP', this.state.settings.iamPropagationDelayMs))
      return { status: 403, reason: `IAP: ${email} lacks iap.webServiceVersions.accessViaIAP on ${project}` }
    if (svc.spec.invokerIamDisabled) return { status: resp.status, reason: 'IAP passed; invoker IAM check disabled' }
    const agent = `serviceAccount:service-${this.state.project(svc.project)!.projectNumber}@gcp-sa-iap.iam.gserviceaccount.com`
    if (!this.invokerAllowed('allUsers', svc.name, 'run.routes.invoke') && !this.invokerAllowed(agent, svc.name, 'run.routes.invoke'))
      return { status: 403, reason: `IAP passed, but ${agent} lacks run.routes.invoke on ${svc.name}` }
    return { status: resp.status, reason: 'invoked through IAP' }
  }

  /**
   * A Google API judges Scheduler's request as it judges any caller's: the stand-in's own route,
   * token check (an ID token is not an access token: 401), scope check and permission check.
   */
  private async callGoogleApi(job: Job, api: string, host: string, cred: Credential): Promise<AttemptOutcome> {
    const t = job.httpTarget!
    const url = new URL(t.uri!)
    let path = url.pathname
    try {
      path = decodeURIComponent(path)
    } catch {
      /* keep raw, as the server does */
    }
    const headers: Record<string, string> = { 'user-agent': 'Google-Cloud-Scheduler' }
    for (const [k, v] of Object.entries(t.headers ?? {})) headers[k.toLowerCase()] = v
    if (cred) headers.authorization = `Bearer ${cred.type === 'id' ? cred.jwt : cred.token}`
    const out = await this.googleApi(api, {
      method: t.httpMethod ?? 'POST',
      host,
      path,
      rawQuery: url.search.replace(/^\?/, ''),
      // the REST resource carries the body base64-encoded; the target receives the bytes
      rawBody: t.body ? Buffer.from(t.body, 'base64').toString('utf8') : '',
      headers
    })
    const error = (out.payload as { error?: { status?: string; message?: string } } | undefined)?.error
    return { status: out.status, reason: error ? `${api}: ${error.status ?? ''} ${error.message ?? ''}` : `${api} answered ${out.status}` }
  }

  /** undefined when the credential is an acceptable ID token for one of `audiences`. */
  private checkToken(cred: Credential, audiences: string[]): AttemptOutcome | undefined {
    if (!cred) return { status: 403, reason: 'no token' }
    if (cred.type === 'access') return { status: 401, reason: 'an OAuth access token is not an ID token' }
    const claims = verifyJwt(this.state.google, cred.jwt)
    if (!claims) return { status: 401, reason: 'bad token signature' }
    if (claims.iss !== 'https://accounts.google.com' || Number(claims.exp) * 1000 < Date.now()) return { status: 401, reason: 'bad issuer or expired' }
    if (!audiences.includes(String(claims.aud))) return { status: 401, reason: `audience ${String(claims.aud)} not in ${audiences.join(', ')}` }
    return undefined
  }

  private emailOf(cred: Credential): string {
    return cred?.type === 'id' ? String(verifyJwt(this.state.google, cred.jwt)?.email ?? '') : ''
  }

  private invokerAllowed(member: string, resource: string, permission: string): boolean {
    const who = member === 'allUsers' ? { member, aliases: ['allUsers'] } : this.state.identity(member)
    return this.state.policies.allows(who, this.state.ancestry(resource), permission, this.state.settings.iamPropagationDelayMs)
  }

  private log(
    project: string,
    location: string,
    jobId: string,
    at: Date,
    severity: string,
    jsonPayload: Record<string, unknown>,
    httpRequest?: Record<string, unknown>
  ): void {
    const visibleAt = at.getTime() + this.state.settings.logIngestionDelayMs
    const entry: LogEntry = {
      insertId: randomBytes(6).toString('hex'),
      jsonPayload,
      resource: { type: 'cloud_scheduler_job', labels: { job_id: jobId, location, project_id: project } },
      timestamp: at.toISOString(),
      severity,
      logName: `projects/${project}/logs/cloudscheduler.googleapis.com%2Fexecutions`,
      receiveTimestamp: new Date(visibleAt).toISOString()
    }
    if (httpRequest) entry.httpRequest = httpRequest
    this.state.logs.push({ entry, visibleAt })
  }
}

/** Whether a target's ingress admits Cloud Scheduler calling from project `from`. */
function admits(ingress: string | undefined, target: string, from: string): boolean {
  if (!ingress || ingress === 'ALLOW_ALL' || ingress === 'INGRESS_TRAFFIC_ALL') return true
  if (ingress === 'INGRESS_TRAFFIC_NONE') return false
  return target.split('/')[1] === from // the internal settings
}
