/** Workload identity federation done inside the action, end to end against the stand-in's GitHub OIDC, STS and IAM Credentials. */
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp } from '../../fake-gcp'
import { act, closeAll, healthy, P, R, WIF_PROVIDER, world } from './world'

afterAll(closeAll)

const DEPLOYER_SA = `deployer@${P}.iam.gserviceaccount.com`

/** The runner's environment without any ADC file: only what `permissions: id-token: write` gives. */
async function wifEnv(scenario = healthy()) {
  const fake = await startFakeGcp(scenario)
  return { fake, env: fake.actionEnv(mkdtempSync(join(tmpdir(), 'wif-')), { adc: false }) }
}

describe('workload identity inside the action', () => {
  it('exchanges the runner token at STS, impersonates the account, and masks every token', async () => {
    const { fake, env } = await wifEnv()
    const r = await act(fake, { mode: 'verify', job: 'legacy-job', region: R, workload_identity_provider: WIF_PROVIDER, service_account: DEPLOYER_SA }, env)
    expect(r.outputs.result).toBe('ok')
    expect(r.outputs.http_status).toBe('200')
    const sts = fake.requests.find(q => q.path === '/v1/token')!
    expect(sts.status).toBe(200)
    expect((sts.body as Record<string, string>).audience).toBe(`//iam.googleapis.com/${WIF_PROVIDER}`)
    expect(fake.requests.find(q => q.path.endsWith(`${DEPLOYER_SA}:generateAccessToken`))?.status).toBe(200)
    // The GitHub OIDC token, the STS token and the access token are masked before anything prints them.
    const masks = r.stdout.split('\n').filter(l => l.startsWith('::add-mask::'))
    expect(masks.some(l => l.includes('eyJ'))).toBe(true)
    expect(masks.filter(l => l.startsWith('::add-mask::ya29.fake-sts-'))).toHaveLength(1)
    expect(masks.filter(l => l.startsWith('::add-mask::ya29.') && !l.includes('fake-sts-'))).toHaveLength(1)
    expect(r.stdout.split('\n').filter(l => !l.startsWith('::add-mask::') && /ya29\.|eyJ[A-Za-z0-9_-]{10,}\./.test(l))).toEqual([])
  })

  it('without id-token: write there is no token URL: one line saying which permission to add, no Google call', async () => {
    const { fake, env } = await wifEnv()
    env.ACTIONS_ID_TOKEN_REQUEST_URL = ''
    env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = ''
    const r = await act(fake, { mode: 'verify', job: 'legacy-job', region: R, workload_identity_provider: WIF_PROVIDER, service_account: DEPLOYER_SA }, env)
    expect(r.code).toBe(1)
    expect(r.outputs.result).toBe('failed')
    expect(r.stdout).toMatch(/::error::.*id-token: write/)
    expect(fake.requests).toEqual([])
  })

  it('impersonation refused: names the principal, the role and the account', async () => {
    const s = world(s => {
      s.serviceAccounts = s.serviceAccounts!.map(a => (a.email === DEPLOYER_SA ? { email: DEPLOYER_SA } : a))
    })
    const { fake, env } = await wifEnv(s)
    const r = await act(fake, { mode: 'verify', job: 'legacy-job', region: R, workload_identity_provider: WIF_PROVIDER, service_account: DEPLOYER_SA }, env)
    expect(r.outputs.result).toBe('failed')
    expect(r.stdout).toMatch(/roles\/iam\.workloadIdentityUser on deployer@acme-prod/)
    expect(r.stdout).toMatch(/principalSet:\/\/iam\.googleapis\.com\/projects\/111122223333\/locations\/global\/workloadIdentityPools\/github/)
  })

  it('a provider STS does not know: the exchange is refused with the provider named', async () => {
    const { fake, env } = await wifEnv()
    const other = WIF_PROVIDER.replace('acme-jobs', 'other-repo')
    const r = await act(fake, { mode: 'verify', job: 'legacy-job', region: R, workload_identity_provider: other, service_account: DEPLOYER_SA }, env)
    expect(r.outputs.result).toBe('failed')
    expect(r.stdout).toMatch(new RegExp(`STS token exchange for ${other.replace(/\//g, '\\/')} was refused`))
  })
})
