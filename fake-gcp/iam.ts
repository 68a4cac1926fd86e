/** IAM (service accounts and their policies) and IAM Credentials (impersonation). */
import { ApiError, invalidArgument, notFound } from './errors'
import { iamMethods } from './iam-methods'
import { route, type Ctx, type Route } from './router'
import { saResource, type SaRec } from './state'
import { signJwt } from './tokens'

const SA = '/v1/projects/([^/]+)/serviceAccounts/([^/:]+)'

function account(c: Ctx): SaRec | undefined {
  const sa = c.state.serviceAccount(c.params[1])
  if (!sa) return undefined
  if (c.params[0] !== '-' && c.state.project(c.params[0])?.projectId !== sa.project) return undefined
  return sa
}

/** IAM Credentials answers 403 for an account the caller may not use, whether or not it exists. */
function impersonable(c: Ctx, permission: string): SaRec {
  const sa = account(c)
  if (!sa || !c.state.can(c.identity, saResource(sa.project, sa.email), permission))
    throw new ApiError(403, `Permission '${permission}' denied on resource (or it may not exist).`, 'PERMISSION_DENIED', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission } }
    ])
  return sa
}

function lifetimeSeconds(raw: unknown): number {
  if (raw === undefined) return 3600
  const m = /^(\d+)(?:\.\d+)?s$/.exec(String(raw))
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 43200) throw invalidArgument(`Invalid lifetime: ${String(raw)}.`)
  return Number(m[1])
}

export function iamRoutes(): Route[] {
  return [
    route('GET', new RegExp(`^${SA}$`), c => {
      const sa = account(c)
      const shown = `projects/${c.params[0]}/serviceAccounts/${c.params[1]}`
      c.state.require(c.identity, sa ? saResource(sa.project, sa.email) : shown, 'iam.serviceAccounts.get', shown)
      if (!sa) throw notFound(`Unknown service account`)
      return {
        name: saResource(sa.project, sa.email),
        projectId: sa.project,
        uniqueId: sa.uniqueId,
        email: sa.email,
        displayName: sa.email.split('@')[0],
        etag: 'MDEwMjE5MjA=',
        oauth2ClientId: sa.uniqueId
      }
    }),
    ...iamMethods({
      path: SA,
      resolve: c => {
        const sa = account(c)
        return sa && saResource(sa.project, sa.email)
      },
      display: c => `projects/${c.params[0]}/serviceAccounts/${c.params[1]}`,
      permissionPrefix: 'iam.serviceAccounts',
      validPermission: p => p.startsWith('iam.serviceAccounts.'),
      notFoundMessage: c => `Service account projects/${c.params[0]}/serviceAccounts/${c.params[1]} does not exist.`,
      getVerbs: ['POST']
    }),
    route('POST', new RegExp(`^${SA}:generateAccessToken$`), c => {
      const sa = impersonable(c, 'iam.serviceAccounts.getAccessToken')
      if (!Array.isArray(c.body.scope) || !c.body.scope.length) throw invalidArgument('Scope must not be empty.')
      const lifetime = lifetimeSeconds(c.body.lifetime)
      const accessToken = c.state.tokens.mint(c.state.identity(`serviceAccount:${sa.email}`), 'access', lifetime)
      return { accessToken, expireTime: new Date(Date.now() + lifetime * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }
    }),
    route('POST', new RegExp(`^${SA}:generateIdToken$`), c => {
      const sa = impersonable(c, 'iam.serviceAccounts.getOpenIdToken')
      const audience = c.body.audience
      if (typeof audience !== 'string' || !audience) throw invalidArgument('Audience must not be empty.')
      const now = Math.floor(Date.now() / 1000)
      const claims: Record<string, unknown> = {
        iss: 'https://accounts.google.com',
        aud: audience,
        azp: sa.uniqueId,
        sub: sa.uniqueId,
        iat: now,
        exp: now + 3600
      }
      if (c.body.includeEmail) Object.assign(claims, { email: sa.email, email_verified: true })
      return { token: signJwt(c.state.google, claims) }
    })
  ]
}
