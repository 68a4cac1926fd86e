/** The credentials actionEnv writes work with google-auth-library exactly as on a runner: GitHub OIDC → STS → impersonation.
 * (IdentityPoolClient directly, not ExternalAccountClient.fromJSON, which warns on every call.) */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IdentityPoolClient } from 'google-auth-library'
import { startFakeGcp, type FakeGcp } from '../../fake-gcp'
import { demo, DEMO_DEPLOYER, DEMO_INVOKER, DEMO_PROVIDER } from '../../fake-gcp/scenarios/demo'

let fake: FakeGcp
afterEach(async () => fake?.close())
const dir = () => mkdtempSync(join(tmpdir(), 'fake-auth-'))

async function clientFor(serviceAccount?: string) {
  const env = fake.actionEnv(dir(), { serviceAccount })
  const creds = JSON.parse(readFileSync(env.GOOGLE_APPLICATION_CREDENTIALS, 'utf8'))
  return { env, creds, client: new IdentityPoolClient(creds) }
}

test('actionEnv writes the external_account file google-github-actions/auth writes', async () => {
  fake = await startFakeGcp(demo())
  const { env, creds } = await clientFor()
  expect(creds).toMatchObject({
    type: 'external_account',
    audience: `//iam.googleapis.com/${DEMO_PROVIDER}`,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${fake.url}v1/token`,
    service_account_impersonation_url: `${fake.url}v1/projects/-/serviceAccounts/${DEMO_DEPLOYER}:generateAccessToken`,
    credential_source: {
      headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
      format: { type: 'json', subject_token_field_name: 'value' }
    }
  })
  const source = new URL(creds.credential_source.url)
  expect(source.searchParams.get('audience')).toBe(`https://iam.googleapis.com/${DEMO_PROVIDER}`)
  expect(creds.credential_source.url).toContain(`audience=${encodeURIComponent(`https://iam.googleapis.com/${DEMO_PROVIDER}`)}`)
  expect(`${source.origin}${source.pathname}`).toBe(env.ACTIONS_ID_TOKEN_REQUEST_URL.split('?')[0])
  expect(env).toMatchObject({ GOOGLE_CLOUD_PROJECT: 'demo-proj', CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: fake.url })
  expect(fake.actionEnv(dir(), { adc: false }).GOOGLE_APPLICATION_CREDENTIALS).toBeUndefined()
})

test('google-auth-library obtains a deployer token and calls Scheduler with it', async () => {
  fake = await startFakeGcp(demo())
  const { client } = await clientFor()
  const res = await client.request<{ name: string }>({ url: `${fake.url}v1/projects/demo-proj/locations/us-central1/jobs/nightly-report`, timeout: 10_000 })
  expect(res.data.name).toBe('projects/demo-proj/locations/us-central1/jobs/nightly-report')
  expect(fake.requests.map(r => `${r.method} ${r.path} ${r.status}`)).toEqual([
    'GET /_github/oidc/token 200',
    'POST /v1/token 200',
    `POST /v1/projects/-/serviceAccounts/${DEMO_DEPLOYER}:generateAccessToken 200`,
    'GET /v1/projects/demo-proj/locations/us-central1/jobs/nightly-report 200'
  ])
  expect(fake.requests.at(-1)!.principal).toBe(`serviceAccount:${DEMO_DEPLOYER}`)
})

test('impersonating an account the repository may not use is refused (403)', async () => {
  fake = await startFakeGcp(demo())
  const { client } = await clientFor(DEMO_INVOKER)
  await expect(client.getAccessToken()).rejects.toThrow(/getAccessToken|PERMISSION_DENIED|403/)
})

test('a repository not named by the account’s principalSet binding cannot impersonate it', async () => {
  const s = demo()
  s.wif = { ...s.wif!, repository: 'someone/else' }
  fake = await startFakeGcp(s)
  const { client } = await clientFor()
  await expect(client.getAccessToken()).rejects.toThrow(/iam.serviceAccounts.getAccessToken/)
  expect(fake.requests.map(r => r.status)).toEqual([200, 200, 403])
})

test('STS refuses a wrong provider audience and a subject token it did not see signed by GitHub', async () => {
  fake = await startFakeGcp(demo())
  const oidc = await fetch(`${fake.url}_github/oidc/token?audience=${encodeURIComponent(`https://iam.googleapis.com/${DEMO_PROVIDER}`)}`, {
    headers: { authorization: `Bearer ${fake.state.githubRequestToken}` },
    signal: AbortSignal.timeout(10_000)
  }).then(r => r.json() as Promise<{ value: string }>)
  const exchange = (audience: string, subject: string) =>
    fetch(`${fake.url}v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        audience,
        scope: 'https://www.googleapis.com/auth/cloud-platform',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt'
      }),
      signal: AbortSignal.timeout(10_000)
    }).then(async r => ({ status: r.status, body: (await r.json()) as Record<string, string> }))
  expect((await exchange(`//iam.googleapis.com/${DEMO_PROVIDER}`, oidc.value)).status).toBe(200)
  expect((await exchange(`//iam.googleapis.com/${DEMO_PROVIDER.replace('my-repo', 'other')}`, oidc.value)).body.error).toBe('invalid_target')
  const forged = oidc.value.split('.').slice(0, 2).join('.') + '.AAAA'
  expect((await exchange(`//iam.googleapis.com/${DEMO_PROVIDER}`, forged)).body.error).toBe('invalid_grant')
  const noRequestToken = await fetch(`${fake.url}_github/oidc/token`, { signal: AbortSignal.timeout(10_000) })
  expect(noRequestToken.status).toBe(401)
})
