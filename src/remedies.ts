/**
 * Every command a person may paste, built in one place: each value is shell-quoted (a custom
 * audience or a URI read from Google can hold `;$(…)`), and each command names its project, so
 * it acts on the project the report is about whatever gcloud's own configuration says.
 */

/** Characters that never need quoting in a POSIX shell word. */
const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/

/** One shell word: as is when safe, else single-quoted with embedded quotes closed and escaped. */
export function shellQuote(value: string): string {
  if (SAFE.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** A gcloud command: its words quoted, `--project` always present (after the positional words). */
export function gcloud(project: string, words: string[], flags: Record<string, string | true | undefined> = {}): string {
  const parts = ['gcloud', ...words.map(shellQuote), '--project', shellQuote(project)]
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined) continue
    parts.push(`--${flag}`)
    if (value !== true) parts.push(shellQuote(value))
  }
  return parts.join(' ')
}

interface JobRef {
  project: string
  location: string
  id: string
}

/** The commands about a Scheduler job and its project, whatever it calls. */
export const schedulerRemedies = {
  setOidc: (j: JobRef, account: string, audience: string): string =>
    gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], {
      location: j.location,
      'oidc-service-account-email': account,
      'oidc-token-audience': audience
    }),
  setOauth: (j: JobRef, account: string, scope?: string): string =>
    gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], {
      location: j.location,
      'oauth-service-account-email': account,
      'oauth-token-scope': scope
    }),
  setMethod: (j: JobRef, method: string): string =>
    gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], { location: j.location, 'http-method': method }),
  setUri: (j: JobRef, uri: string): string => gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], { location: j.location, uri }),
  resume: (j: JobRef): string => gcloud(j.project, ['scheduler', 'jobs', 'resume', j.id], { location: j.location }),
  describe: (j: JobRef): string => gcloud(j.project, ['scheduler', 'jobs', 'describe', j.id], { location: j.location }),
  list: (project: string, location: string): string => gcloud(project, ['scheduler', 'jobs', 'list'], { location }),
  grantOnProject: (project: string, member: string, role: string): string => gcloud(project, ['projects', 'add-iam-policy-binding', project], { member, role })
}

/** The commands about service accounts and IAM outside the target: what the action never does itself. */
export const iamRemedies = {
  enableAccount: (project: string, email: string): string => gcloud(project, ['iam', 'service-accounts', 'enable', email]),
  createAccount: (project: string, name: string): string => gcloud(project, ['iam', 'service-accounts', 'create', name]),
  /** The deny policy with its rules, for a person to read who may change it. */
  describeDenyPolicy: (project: string, policy: string): string => {
    const m = /^policies\/(.+)\/denypolicies\/([^/]+)$/.exec(policy)
    const attachment = m ? decodeURIComponent(m[1]) : policy
    return gcloud(project, ['iam', 'policies', 'get', m ? m[2] : policy], { 'attachment-point': attachment, kind: 'denypolicies' })
  },
  /** IAP in front of a Cloud Run service admits only accounts holding this role on it (beta surface). */
  grantIapAccess: (project: string, region: string, service: string, member: string): string =>
    gcloud(project, ['beta', 'iap', 'web', 'add-iam-policy-binding'], {
      'resource-type': 'cloud-run',
      service,
      region,
      member,
      role: 'roles/iap.httpsResourceAccessor'
    }),
  enableDefaultUrl: (project: string, region: string, service: string): string =>
    gcloud(project, ['beta', 'run', 'services', 'update', service], { region, 'default-url': true })
}
