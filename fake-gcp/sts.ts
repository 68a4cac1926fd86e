/** Security Token Service: RFC 8693 exchange of a GitHub OIDC token for a federated token. */
import { GITHUB_ISSUER } from './github-oidc'
import type { ApiModule } from './module'
import { Reply, route, type Route } from './router'
import { verifyJwt } from './tokens'

// STS answers in OAuth 2.0 error form, not Google's envelope
const oauthError = (error: string, description: string): Reply => new Reply(400, { error, error_description: description })

function stsRoutes(): Route[] {
  return [
    route(
      'POST',
      '/v1/token',
      c => {
        const b = c.body as Record<string, string>
        if (b.grant_type !== 'urn:ietf:params:oauth:grant-type:token-exchange')
          return oauthError('unsupported_grant_type', `Invalid value for "grant_type": ${b.grant_type ?? ''}`)
        if (b.requested_token_type && b.requested_token_type !== 'urn:ietf:params:oauth:token-type:access_token')
          return oauthError('invalid_request', 'Invalid value for "requested_token_type".')
        if (!['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'].includes(b.subject_token_type ?? ''))
          return oauthError('invalid_request', 'Invalid value for "subject_token_type".')
        const wif = c.state.wif
        const provider = /^\/\/iam\.googleapis\.com\/(projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/[^/]+)$/.exec(
          b.audience ?? ''
        )
        if (!wif || !provider || provider[1] !== wif.provider)
          return oauthError(
            'invalid_target',
            'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.'
          )
        const claims = verifyJwt(c.state.github, b.subject_token ?? '')
        if (!claims) return oauthError('invalid_grant', 'Invalid JWT signature or format.')
        if (claims.iss !== GITHUB_ISSUER)
          return oauthError('invalid_grant', `The issuer in ID Token ${String(claims.iss)} does not match the expected ones: ${GITHUB_ISSUER}.`)
        if (Number(claims.exp) * 1000 < Date.now()) return oauthError('invalid_grant', 'ID Token expired.')
        const expectedAud = `https://iam.googleapis.com/${wif.provider}`
        const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
        if (!aud.includes(expectedAud))
          return oauthError('invalid_grant', `The audience in ID Token [${aud.join(', ')}] does not match the expected audience ${expectedAud}.`)
        if (claims.repository !== wif.repository) return oauthError('unauthorized_client', 'The given credential is rejected by the attribute condition.')
        const pool = `projects/${provider[2]}/locations/global/workloadIdentityPools/${provider[3]}`
        const member = `principal://iam.googleapis.com/${pool}/subject/${String(claims.sub)}`
        return {
          access_token: c.state.tokens.mint(c.state.identity(member), 'federated'),
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3599
        }
      },
      'none'
    )
  ]
}

export const sts: ApiModule = { name: 'Security Token Service', apis: ['STS'], routes: () => stsRoutes() }
