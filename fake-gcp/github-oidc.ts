/** The GitHub Actions OIDC token endpoint a runner exposes (ACTIONS_ID_TOKEN_REQUEST_URL), its JWKS, and Google's certs. */
import type { ApiModule } from './module'
import { Reply, route, type Route } from './router'
import { jwk, signJwt } from './tokens'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
export const GITHUB_OIDC_PATH = '_github/oidc/token'

function githubOidcRoutes(): Route[] {
  return [
    route(
      'GET',
      `/${GITHUB_OIDC_PATH}`,
      c => {
        const auth = c.headers.authorization ?? ''
        if (auth !== `Bearer ${c.state.githubRequestToken}`)
          return new Reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
        const repository = c.state.wif?.repository ?? 'owner/repo'
        const owner = repository.split('/')[0]
        const now = Math.floor(Date.now() / 1000)
        const value = signJwt(c.state.github, {
          jti: `${now}-${Math.random().toString(16).slice(2)}`,
          sub: c.state.wif?.subject ?? `repo:${repository}:ref:refs/heads/main`,
          aud: c.query.get('audience') || `https://github.com/${owner}`,
          ref: 'refs/heads/main',
          sha: '0000000000000000000000000000000000000000',
          repository,
          repository_owner: owner,
          run_id: '1',
          run_number: '1',
          run_attempt: '1',
          actor: owner,
          workflow: 'ci',
          event_name: 'push',
          ref_type: 'branch',
          job_workflow_ref: `${repository}/.github/workflows/ci.yml@refs/heads/main`,
          iss: 'https://token.actions.githubusercontent.com',
          nbf: now - 5,
          iat: now,
          exp: now + 300
        })
        return { count: 1, value }
      },
      'none'
    ),
    route('GET', '/_github/oidc/.well-known/jwks', c => ({ keys: [jwk(c.state.github)] }), 'none'),
    route(
      'GET',
      '/_github/oidc/.well-known/openid-configuration',
      c => ({ issuer: GITHUB_ISSUER, jwks_uri: `${c.baseUrl}_github/oidc/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] }),
      'none'
    ),
    // Google's ID-token keys, so a test can verify tokens from generateIdToken
    route('GET', '/oauth2/v3/certs', c => ({ keys: [jwk(c.state.google)] }), 'none')
  ]
}

/** Not a Google API: the runner's token endpoint, and the key sets a verifier fetches. */
export const githubOidc: ApiModule = { name: 'GitHub Actions OIDC', apis: [], routes: () => githubOidcRoutes() }
