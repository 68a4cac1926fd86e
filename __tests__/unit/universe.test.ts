/** `universe` moves every endpoint and both workload identity audiences; gcloud's overrides still win. */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { createTokenSource } from '../../src/auth'
import { apiRoot, type Api } from '../../src/google/endpoints'

const APIS: Api[] = ['CLOUDSCHEDULER', 'CLOUDFUNCTIONS', 'RUN', 'CLOUDRESOURCEMANAGER', 'IAM', 'IAMCREDENTIALS', 'LOGGING', 'STS']
const PROVIDER = 'projects/123456/locations/global/workloadIdentityPools/github/providers/repo'

describe('apiRoot', () => {
  it.each(APIS)('%s lives under the universe domain', api => {
    expect(apiRoot(api, 'googleapis.com', {})).toBe(`https://${api.toLowerCase()}.googleapis.com/`)
    expect(apiRoot(api, 's3nsapis.fr', {})).toBe(`https://${api.toLowerCase()}.s3nsapis.fr/`)
  })

  it('an endpoint override wins over the universe, with or without its trailing slash', () => {
    expect(apiRoot('RUN', 's3nsapis.fr', { CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9/')
    expect(apiRoot('RUN', 's3nsapis.fr', { CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: ' http://127.0.0.1:9 ' })).toBe('http://127.0.0.1:9/')
    expect(apiRoot('LOGGING', 's3nsapis.fr', { CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'http://127.0.0.1:9/' })).toBe('https://logging.s3nsapis.fr/')
  })
})

describe('workload identity in another universe', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>(r => (server ? server.close(() => r()) : r())))

  it('asks GitHub for https://iam.<universe>/<provider> and STS for //iam.<universe>/<provider>', async () => {
    const stsBodies: string[] = []
    server = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', c => (body += c))
      req.on('end', () => {
        stsBodies.push(body)
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'invalid_target', error_description: 'refused by the test' }))
      })
    })
    await new Promise<void>(r => server!.listen(0, '127.0.0.1', r))
    const sts = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    const asked: string[] = []
    const { token } = createTokenSource({
      universe: 's3nsapis.fr',
      workloadIdentityProvider: PROVIDER,
      serviceAccount: 'deployer@my-proj.iam.gserviceaccount.com',
      getIdToken: async audience => {
        asked.push(audience)
        return 'eyJhbGciOiJSUzI1NiJ9.e30.sig'
      },
      mask: () => {},
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://unused', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x', CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: sts }
    })
    await expect(token()).rejects.toThrow(/STS token exchange .* was refused/)
    expect(asked).toEqual([`https://iam.s3nsapis.fr/${PROVIDER}`])
    expect(stsBodies).toHaveLength(1)
    expect(new URLSearchParams(stsBodies[0]).get('audience')).toBe(`//iam.s3nsapis.fr/${PROVIDER}`)
  })
})
