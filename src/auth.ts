/**
 * Credentials: workload identity federation done inside the action, or Application Default
 * Credentials (what google-github-actions/auth leaves behind). Either way the rest of the
 * action sees one TokenSource, and every token goes through `mask` before anything can print it.
 */
import { GoogleAuth, IdentityPoolClient } from 'google-auth-library'
import { apiRoot } from './google/endpoints'
import type { TokenSource } from './google/http'

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform']

export interface AuthOptions {
  universe: string
  workloadIdentityProvider?: string
  serviceAccount?: string
  /** The runner's OIDC token for an audience (core.getIDToken). */
  getIdToken: (audience: string) => Promise<string>
  mask: (secret: string) => void
  env?: NodeJS.ProcessEnv
}

/** An explained authentication failure: what failed, why, and the exact fix. */
export class AuthError extends Error {}

interface TokenClient {
  getAccessToken(): Promise<{ token?: string | null }>
}

type Interceptors = { interceptors?: { response?: { add(i: { resolved: (r: { data?: unknown }) => Promise<{ data?: unknown }> }): void } } }

/**
 * Masks the federated token STS returns to google-auth-library's external-account clients (in
 * the action's WIF and in an ADC file from google-github-actions/auth). The library keeps that
 * token to itself, handing out only the impersonated one, so the one place to see it is the
 * response of its STS call. Should a new library version move that call, the integration tests
 * that look for the STS token's mask fail.
 */
function maskStsTokens(client: object, mask: (secret: string) => void): void {
  const sts = (client as { stsCredential?: { transporter?: Interceptors } }).stsCredential
  sts?.transporter?.interceptors?.response?.add({
    resolved: async r => {
      const token = (r.data as { access_token?: unknown } | undefined)?.access_token
      if (typeof token === 'string' && token) mask(token)
      return r
    }
  })
}

/** Caches nothing itself: the google-auth-library clients refresh tokens before they expire. */
export function createTokenSource(opts: AuthOptions): { token: TokenSource; describe: string } {
  const env = opts.env ?? process.env
  // Mask each distinct token once: the runner keeps masking it for the rest of the job.
  const masked = new Set<string>()
  const mask = (secret: string): void => {
    if (!masked.has(secret)) {
      masked.add(secret)
      opts.mask(secret)
    }
  }
  let client: TokenClient | Promise<TokenClient>
  let describe: string
  if (opts.workloadIdentityProvider) {
    const provider = opts.workloadIdentityProvider
    const sa = opts.serviceAccount!
    describe = `workload identity ${provider} as ${sa}`
    if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new AuthError(
        "Workload identity needs the runner's OIDC token, and this job cannot request one: add `permissions: id-token: write` to the workflow job " +
          '(pull requests from forks never get it; use mode: verify with credentials from a trusted workflow instead).'
      )
    }
    const wif = new IdentityPoolClient({
      type: 'external_account',
      audience: `//iam.${opts.universe}/${provider}`,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${apiRoot('STS', opts.universe, env)}v1/token`,
      service_account_impersonation_url: `${apiRoot('IAMCREDENTIALS', opts.universe, env)}v1/projects/-/serviceAccounts/${sa}:generateAccessToken`,
      universe_domain: opts.universe,
      scopes: SCOPES,
      subject_token_supplier: {
        getSubjectToken: async () => {
          const idToken = await opts.getIdToken(`https://iam.${opts.universe}/${provider}`)
          mask(idToken)
          return idToken
        }
      }
    } as ConstructorParameters<typeof IdentityPoolClient>[0])
    maskStsTokens(wif, mask)
    client = wif
  } else {
    describe = env.GOOGLE_APPLICATION_CREDENTIALS
      ? `application default credentials (${env.GOOGLE_APPLICATION_CREDENTIALS})`
      : 'application default credentials'
    client = new GoogleAuth({ scopes: SCOPES }).getClient().then(c => {
      maskStsTokens(c, mask)
      return c as TokenClient
    })
  }

  const token: TokenSource = async () => {
    let res: { token?: string | null }
    try {
      res = await (await client).getAccessToken()
    } catch (e) {
      throw explainAuthFailure(e, opts)
    }
    if (!res.token) throw new AuthError(`No access token from ${describe}.`)
    mask(res.token)
    return res.token
  }
  return { token, describe }
}

/** Turns the library's errors into the fix a person needs. */
function explainAuthFailure(e: unknown, opts: AuthOptions): AuthError {
  const msg = e instanceof Error ? e.message : String(e)
  const status = (e as { response?: { status?: number } }).response?.status ?? (e as { status?: number }).status
  if (opts.workloadIdentityProvider) {
    const sa = opts.serviceAccount
    if (/generateAccessToken|impersonat/i.test(msg) || (status === 403 && !/token exchange|sts/i.test(msg))) {
      const m = /projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([^/]+)/.exec(opts.workloadIdentityProvider)
      const principal = m
        ? `principalSet://iam.${opts.universe}/projects/${m[1]}/locations/global/workloadIdentityPools/${m[2]}/attribute.repository/${(opts.env ?? process.env).GITHUB_REPOSITORY || 'OWNER/REPO'}`
        : 'the workload identity principal'
      return new AuthError(
        `Impersonating ${sa} was refused (${msg}). Grant ${principal} roles/iam.workloadIdentityUser on ${sa}: ` +
          `gcloud iam service-accounts add-iam-policy-binding ${sa} --role roles/iam.workloadIdentityUser --member "${principal}"`
      )
    }
    return new AuthError(
      `The STS token exchange for ${opts.workloadIdentityProvider} was refused (${msg}). Check that the provider exists, that its attribute condition admits this repository, and that its allowed audiences include https://iam.${opts.universe}/${opts.workloadIdentityProvider}.`
    )
  }
  if (/Could not load the default credentials/i.test(msg)) {
    return new AuthError('No Google credentials: run google-github-actions/auth before this step, or set workload_identity_provider and service_account.')
  }
  return new AuthError(`Getting an access token failed: ${msg}`)
}
