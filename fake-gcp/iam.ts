/** IAM (service accounts and their policies) and IAM Credentials (impersonation). */
import { DENY_ROLES, denyPolicyRoutes } from './deny-policies'
import { ApiError, invalidArgument, notFound } from './errors'
import { iamMethods } from './iam-methods'
import type { ApiModule } from './module'
import { route, type Ctx, type Route } from './router'
import type { Policy } from './scenario'
import { SA_DOMAIN, saResource, type FakeState, type SaRec } from './state'
import { signJwt } from './tokens'

const SA = '/v1/projects/{project}/serviceAccounts/{account}'
const shownName = (c: Ctx): string => `projects/${c.params.project}/serviceAccounts/${c.params.account}`

function account(c: Ctx): SaRec | undefined {
  const sa = c.state.serviceAccount(c.params.account)
  if (!sa) return undefined
  if (c.params.project !== '-' && c.state.project(c.params.project)?.projectId !== sa.project) return undefined
  return sa
}

/** IAM Credentials answers 403 for an account the caller may not use, whether or not it exists. */
function impersonable(c: Ctx, permission: string): SaRec {
  const sa = account(c)
  if (!sa || !c.state.can(c.identity, saResource(sa.project, sa.email), permission))
    throw new ApiError(403, `Permission '${permission}' denied on resource (or it may not exist).`, 'PERMISSION_DENIED', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission } }
    ])
  // A disabled account cannot sign: "requests for new access tokens will fail" (IAM's
  // DisableServiceAccount reference). Google's exact answer is not in its docs; IAM Credentials has
  // been seen answering 400 FAILED_PRECONDITION "Precondition check failed." for a disabled
  // account (recalled, not confirmed from a page).
  if (sa.disabled) throw new ApiError(400, 'Precondition check failed.', 'FAILED_PRECONDITION')
  return sa
}

function lifetimeSeconds(raw: unknown): number {
  if (raw === undefined) return 3600
  const m = /^(\d+)(?:\.\d+)?s$/.exec(String(raw))
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 43200) throw invalidArgument(`Invalid lifetime: ${String(raw)}.`)
  return Number(m[1])
}

function iamRoutes(): Route[] {
  return [
    route('GET', SA, c => {
      const sa = account(c)
      const shown = shownName(c)
      // An account that does not exist is checked against the project its email names: a caller
      // who may read that project's accounts learns it is gone (404 "Unknown service account").
      const home = SA_DOMAIN.exec(c.params.account)?.[2]
      const where = sa ? saResource(sa.project, sa.email) : home && c.state.project(home) ? saResource(home, c.params.account) : shown
      c.state.require(c.identity, where, 'iam.serviceAccounts.get', shown)
      if (!sa) throw notFound(`Unknown service account`)
      return {
        name: saResource(sa.project, sa.email),
        projectId: sa.project,
        uniqueId: sa.uniqueId,
        email: sa.email,
        displayName: sa.email.split('@')[0],
        etag: 'MDEwMjE5MjA=',
        oauth2ClientId: sa.uniqueId,
        // ServiceAccount.disabled (IAM v1): absent, as proto3 JSON omits false, unless disabled
        ...(sa.disabled ? { disabled: true } : {})
      }
    }),
    // DisableServiceAccount / EnableServiceAccount: POST v1/{name}:disable|:enable, body ignored, Empty back
    ...(['disable', 'enable'] as const).map(verb =>
      route('POST', `${SA}:${verb}`, c => {
        const sa = account(c)
        const shown = shownName(c)
        c.state.require(c.identity, sa ? saResource(sa.project, sa.email) : shown, `iam.serviceAccounts.${verb}`, shown)
        if (!sa) throw notFound(`Unknown service account`)
        sa.disabled = verb === 'disable'
        return {}
      })
    ),
    ...iamMethods({
      path: SA,
      resolve: c => {
        const sa = account(c)
        return sa && saResource(sa.project, sa.email)
      },
      display: shownName,
      permissionPrefix: 'iam.serviceAccounts',
      validPermission: p => p.startsWith('iam.serviceAccounts.'),
      notFoundMessage: c => `Service account ${shownName(c)} does not exist.`,
      getVerbs: ['POST']
    }),
    route('POST', `${SA}:generateAccessToken`, c => {
      const sa = impersonable(c, 'iam.serviceAccounts.getAccessToken')
      if (!Array.isArray(c.body.scope) || !c.body.scope.length) throw invalidArgument('Scope must not be empty.')
      const lifetime = lifetimeSeconds(c.body.lifetime)
      const accessToken = c.state.tokens.mint(c.state.identity(`serviceAccount:${sa.email}`), 'access', lifetime, c.body.scope.map(String))
      return { accessToken, expireTime: new Date(Date.now() + lifetime * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }
    }),
    route('POST', `${SA}:generateIdToken`, c => {
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

function addServiceAccount(state: FakeState, email: string, policy?: Policy, opts: { disabled?: boolean; uniqueId?: string } = {}): void {
  const m = SA_DOMAIN.exec(email)
  const project = m?.[2] ?? [...state.projects.keys()][0]
  const uniqueId = opts.uniqueId ?? String(100000000000000000000n + BigInt(state.serviceAccounts.size + 1) * 7919n)
  state.serviceAccounts.set(email.toLowerCase(), { email, project, uniqueId, disabled: opts.disabled ?? false })
  state.policies.load(saResource(project, email), policy)
}

export const iam: ApiModule = {
  name: 'IAM and IAM Credentials',
  apis: ['IAM', 'IAMCREDENTIALS'],
  load: state => {
    const scenario = state.scenario
    for (const a of scenario.serviceAccounts ?? []) addServiceAccount(state, a.email, a.iamPolicy, a)
    // accounts a scenario names elsewhere exist too, so a terse scenario need not list them
    const named = [
      scenario.caller,
      ...(scenario.jobs ?? []).flatMap(j => [j.httpTarget?.oidcToken?.serviceAccountEmail, j.httpTarget?.oauthToken?.serviceAccountEmail])
    ]
    for (const m of named) {
      const email = m?.replace(/^serviceAccount:/, '')
      if (email && SA_DOMAIN.test(email) && !state.serviceAccounts.has(email.toLowerCase())) addServiceAccount(state, email)
    }
  },
  routes: () => [...iamRoutes(), ...denyPolicyRoutes()],
  roles: {
    ...DENY_ROLES,
    'roles/iam.securityAdmin': {
      grants: [
        /\.(getIamPolicy|setIamPolicy)$/,
        'resourcemanager.projects.get',
        'iam.roles.get',
        'iam.roles.list',
        'iam.serviceAccounts.get',
        'iam.serviceAccounts.list'
      ]
    },
    // Read-only view of every IAM policy (what roles/cloudfunctions.viewer lacks).
    'roles/iam.securityReviewer': { grants: [/\.getIamPolicy$/, 'resourcemanager.projects.get', 'iam.roles.get', 'iam.roles.list'] },
    // Service Account Viewer: read accounts (get, list), nothing else of theirs.
    'roles/iam.serviceAccountViewer': { grants: ['iam.serviceAccounts.get', 'iam.serviceAccounts.list', 'resourcemanager.projects.get'] },
    // Google's role page lists create/delete/disable/enable/get/list/update and the IAM policy methods, not actAs
    'roles/iam.serviceAccountAdmin': {
      grants: [
        'iam.serviceAccounts.create',
        'iam.serviceAccounts.delete',
        'iam.serviceAccounts.disable',
        'iam.serviceAccounts.enable',
        'iam.serviceAccounts.get',
        'iam.serviceAccounts.getIamPolicy',
        'iam.serviceAccounts.list',
        'iam.serviceAccounts.setIamPolicy',
        'iam.serviceAccounts.undelete',
        'iam.serviceAccounts.update',
        'resourcemanager.projects.get',
        'resourcemanager.projects.list'
      ]
    },
    'roles/iam.serviceAccountUser': {
      grants: ['iam.serviceAccounts.actAs', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list', 'resourcemanager.projects.get']
    },
    'roles/iam.serviceAccountTokenCreator': {
      grants: [
        'iam.serviceAccounts.getAccessToken',
        'iam.serviceAccounts.getOpenIdToken',
        'iam.serviceAccounts.implicitDelegation',
        'iam.serviceAccounts.signBlob',
        'iam.serviceAccounts.signJwt',
        'iam.serviceAccounts.get',
        'iam.serviceAccounts.list'
      ]
    },
    'roles/iam.workloadIdentityUser': {
      grants: ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list']
    }
  }
}
