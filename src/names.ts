/**
 * Resource names and URLs: the one place that parses, builds and compares them.
 * Everything else in the action speaks in the full names built here.
 */

export interface JobRef {
  project: string
  location: string
  id: string
}

export interface ResourceRef {
  project: string
  region: string
  id: string
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/
const REGION = /^[a-z]+-[a-z]+\d+$/
const JOB_ID = /^[A-Za-z0-9_-]{1,500}$/
const FUNCTION_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/
const SERVICE_ID = /^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/
const RUN_JOB_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/
const WORKFLOW_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
const EMAIL = /^[^@\s,]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/
const WIF_PROVIDER = /^projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([a-z0-9-]{4,32})\/providers\/([a-z0-9-]{4,32})$/

export const isProjectId = (s: string): boolean => PROJECT_ID.test(s)
export const isRegion = (s: string): boolean => REGION.test(s)
/** Scheduler signs OIDC tokens only as service accounts, and IAM impersonates only them. */
export const isServiceAccountEmail = (s: string): boolean => EMAIL.test(s) && /\.gserviceaccount\.com$/.test(s)

/** Thrown for a name that has the wrong shape; `what` names the thing (the input) it came from. */
export class NameError extends Error {}

function parseFull(value: string, collection: string, idPattern: RegExp, what: string): ResourceRef {
  const parts = value.split('/')
  if (parts.length !== 6 || parts[0] !== 'projects' || parts[2] !== 'locations' || parts[4] !== collection) {
    throw new NameError(`${what} "${value}": expected an id or projects/PROJECT/locations/LOCATION/${collection}/ID`)
  }
  const [, project, , region, , id] = parts
  if (!PROJECT_ID.test(project)) throw new NameError(`${what} "${value}": "${project}" is not a valid project id`)
  if (!REGION.test(region)) throw new NameError(`${what} "${value}": "${region}" is not a valid location`)
  if (!idPattern.test(id)) throw new NameError(`${what} "${value}": "${id}" is not a valid id`)
  return { project, region, id }
}

/** A job id or full name; project/location left empty when only the id is given. */
export function parseJobRef(value: string): Partial<JobRef> & { id: string } {
  if (!value.includes('/')) {
    if (!JOB_ID.test(value)) throw new NameError(`job "${value}": a job id has only letters, digits, - and _`)
    return { id: value }
  }
  const r = parseFull(value, 'jobs', JOB_ID, 'job')
  return { project: r.project, location: r.region, id: r.id }
}

export function parseFunctionRef(value: string): Partial<ResourceRef> & { id: string } {
  if (!value.includes('/')) {
    if (!FUNCTION_ID.test(value)) throw new NameError(`function "${value}": a function id starts with a letter and has only letters, digits, - and _`)
    return { id: value }
  }
  return parseFull(value, 'functions', FUNCTION_ID, 'function')
}

export function parseServiceRef(value: string): Partial<ResourceRef> & { id: string } {
  if (!value.includes('/')) {
    if (!SERVICE_ID.test(value)) throw new NameError(`service "${value}": a Cloud Run service id is lowercase letters, digits and -`)
    return { id: value }
  }
  return parseFull(value, 'services', SERVICE_ID, 'service')
}

export function parseRunJobRef(value: string): Partial<ResourceRef> & { id: string } {
  if (!value.includes('/')) {
    if (!RUN_JOB_ID.test(value)) throw new NameError(`cloud_run_job "${value}": a Cloud Run job id is lowercase letters, digits and -`)
    return { id: value }
  }
  return parseFull(value, 'jobs', RUN_JOB_ID, 'cloud_run_job')
}

export function parseWorkflowRef(value: string): Partial<ResourceRef> & { id: string } {
  if (!value.includes('/')) {
    if (!WORKFLOW_ID.test(value)) throw new NameError(`workflow "${value}": a workflow id starts with a letter and has only letters, digits, - and _`)
    return { id: value }
  }
  return parseFull(value, 'workflows', WORKFLOW_ID, 'workflow')
}

export const jobName = (j: JobRef): string => `projects/${j.project}/locations/${j.location}/jobs/${j.id}`
export const functionName = (r: ResourceRef): string => `projects/${r.project}/locations/${r.region}/functions/${r.id}`
export const serviceName = (r: ResourceRef): string => `projects/${r.project}/locations/${r.region}/services/${r.id}`
export const runJobName = (r: ResourceRef): string => `projects/${r.project}/locations/${r.region}/jobs/${r.id}`
export const workflowName = (r: ResourceRef): string => `projects/${r.project}/locations/${r.region}/workflows/${r.id}`
export const locationName = (project: string, location: string): string => `projects/${project}/locations/${location}`

/** Splits any full name `projects/P/locations/L/<collection>/ID` into its parts. */
export function splitName(name: string): { project: string; location: string; collection: string; id: string } {
  const [, project, , location, collection, id] = name.split('/')
  return { project, location, collection, id }
}

export const lastSegment = (name: string): string => name.slice(name.lastIndexOf('/') + 1)

export function schedulerServiceAgent(projectNumber: string): string {
  return `service-${projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`
}

/** The project a service account belongs to, when its email says so (user-managed accounts). */
export function projectOfServiceAccount(email: string): string | undefined {
  const m = /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)
  return m?.[1]
}

export function parseWifProvider(value: string): { projectNumber: string; pool: string; provider: string } {
  const m = WIF_PROVIDER.exec(value)
  if (!m) throw new NameError(`workload_identity_provider "${value}": expected projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`)
  return { projectNumber: m[1], pool: m[2], provider: m[3] }
}

const FUNCTIONS_HOST = /^([a-z]+-[a-z]+\d+)-([a-z][a-z0-9-]{4,28}[a-z0-9])\.cloudfunctions\.net$/

/** A `https://REGION-PROJECT.cloudfunctions.net/NAME[/…]` URL's parts; undefined for any other URL. */
export function parseFunctionUrl(uri: string): (ResourceRef & { url: string }) | undefined {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    return undefined
  }
  const host = u.hostname.toLowerCase()
  const fn = FUNCTIONS_HOST.exec(host)
  if (!fn) return undefined
  const id = u.pathname.split('/')[1] ?? ''
  return { region: fn[1], project: fn[2], id, url: `https://${host}/${id}` }
}

/** The function URL a URI calls (path beyond the name dropped), or undefined. */
export const functionUrlOf = (uri: string): string | undefined => parseFunctionUrl(uri)?.url

/** A URI served by a Google API (`*.googleapis.com`, or the universe's domain): those take OAuth access tokens. */
export function googleApiHost(uri: string, universe = 'googleapis.com'): string | undefined {
  try {
    const host = new URL(uri).hostname.toLowerCase()
    return host === universe || host.endsWith(`.${universe}`) ? host : undefined
  } catch {
    return undefined
  }
}

/** scheme://host[:port] of a URL, no path and no trailing slash: the audience Cloud Run accepts. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/** Parses an https URL, or says why it is not one. */
export function parseHttpsUrl(value: string, what: string): URL {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new NameError(`${what} "${value}": not a URL`)
  }
  if (u.protocol !== 'https:') throw new NameError(`${what} "${value}": expected an https:// URL`)
  return u
}
