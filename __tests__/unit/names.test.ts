import { describe, expect, it } from '@jest/globals'
import {
  NameError,
  functionName,
  googleApiHost,
  jobName,
  lastSegment,
  locationName,
  originOf,
  parseFunctionRef,
  parseFunctionUrl,
  parseHttpsUrl,
  parseJobRef,
  parseServiceRef,
  parseWifProvider,
  projectOfServiceAccount,
  schedulerServiceAgent,
  serviceName,
  splitName
} from '../../src/names'
import { fromUri } from '../../src/targets'
import { runOrigin } from '../../src/targets/service'

/**
 * What a job's URI points at, by its shape alone, told by the pieces that recognise URIs now:
 * `parseFunctionUrl` (a function URL), `runOrigin` (a Cloud Run URL), `googleApiHost` (a Google
 * API), and `fromUri`, which reads a target for exactly the first two. At most one of the three
 * may claim a URI.
 */
type UriShape =
  | { kind: 'function'; region: string; project: string; id: string; functionUrl: string }
  | { kind: 'run'; origin: string }
  | { kind: 'google-api'; host: string }
  | { kind: 'other'; origin: string }

function shapeOf(uri: string): UriShape | undefined {
  const fn = parseFunctionUrl(uri)
  const run = runOrigin(uri)
  const api = googleApiHost(uri)
  expect([fn, run, api].filter(x => x !== undefined).length).toBeLessThanOrEqual(1)
  // Google API URIs are claimed by their own kinds (Cloud Run jobs, workflows): see google-api-targets.test.ts.
  if (!api) expect(fromUri(uri, 'googleapis.com') !== undefined).toBe(fn !== undefined || run !== undefined)
  if (fn) return { kind: 'function', region: fn.region, project: fn.project, id: fn.id, functionUrl: fn.url }
  if (run) return { kind: 'run', origin: run }
  if (api) return { kind: 'google-api', host: api }
  return URL.canParse(uri) ? { kind: 'other', origin: originOf(uri) } : undefined
}

describe('parse and build round trips', () => {
  it.each([
    'projects/my-proj/locations/us-central1/jobs/j1',
    'projects/my-proj-123/locations/europe-west1/jobs/Nightly_Run-2',
    'projects/a23456/locations/asia-northeast1/jobs/x'
  ])('job %s', name => {
    const r = parseJobRef(name)
    expect(jobName({ project: r.project!, location: r.location!, id: r.id })).toBe(name)
    expect(splitName(name)).toEqual({ project: r.project, location: r.location, collection: 'jobs', id: r.id })
  })

  it.each(['projects/my-proj/locations/us-central1/functions/fn', 'projects/my-proj-123/locations/europe-west1/functions/My_Func-2'])('function %s', name => {
    const r = parseFunctionRef(name)
    expect(functionName({ project: r.project!, region: r.region!, id: r.id })).toBe(name)
    expect(lastSegment(name)).toBe(r.id)
  })

  it.each(['projects/my-proj/locations/us-central1/services/svc', 'projects/my-proj-123/locations/europe-west1/services/a-b-c'])('service %s', name => {
    const r = parseServiceRef(name)
    expect(serviceName({ project: r.project!, region: r.region!, id: r.id })).toBe(name)
  })

  it.each([
    [parseJobRef, 'j1', { id: 'j1' }],
    [parseFunctionRef, 'fn', { id: 'fn' }],
    [parseServiceRef, 'svc', { id: 'svc' }]
  ])('a bare id leaves project and location empty (%#)', (parse, value, expected) => {
    expect(parse(value)).toEqual(expected)
  })

  it.each<[(v: string) => unknown, string]>([
    [parseJobRef, 'j 1'],
    [parseJobRef, 'projects/my-proj/locations/us-central1/jobs/'],
    [parseJobRef, 'projects/my-proj/locations/us-central1/functions/fn'],
    [parseJobRef, 'projects/my-proj/locations/us-central1/jobs/j1/extra'],
    [parseJobRef, 'projects/MY-PROJ/locations/us-central1/jobs/j1'],
    [parseFunctionRef, '9lives'],
    [parseFunctionRef, 'fn.name'],
    [parseServiceRef, 'Svc'],
    [parseServiceRef, 'svc-'],
    [parseServiceRef, 'projects/my-proj/locations/us_central1/services/svc']
  ])('rejects malformed %#: %s', (parse, value) => {
    expect(() => parse(value)).toThrow(NameError)
  })

  it('locationName', () => {
    expect(locationName('my-proj', 'us-central1')).toBe('projects/my-proj/locations/us-central1')
  })
})

describe('URI recognition (parseFunctionUrl, runOrigin, googleApiHost, fromUri)', () => {
  it.each([
    [
      'https://us-central1-my-proj.cloudfunctions.net/fn',
      { kind: 'function', region: 'us-central1', project: 'my-proj', id: 'fn', functionUrl: 'https://us-central1-my-proj.cloudfunctions.net/fn' }
    ],
    [
      'https://europe-west1-my-proj-123.cloudfunctions.net/fn/sub?x=1',
      { kind: 'function', region: 'europe-west1', project: 'my-proj-123', id: 'fn', functionUrl: 'https://europe-west1-my-proj-123.cloudfunctions.net/fn' }
    ],
    [
      'https://northamerica-northeast1-proj-with-dashes.cloudfunctions.net/hello_world',
      {
        kind: 'function',
        region: 'northamerica-northeast1',
        project: 'proj-with-dashes',
        id: 'hello_world',
        functionUrl: 'https://northamerica-northeast1-proj-with-dashes.cloudfunctions.net/hello_world'
      }
    ],
    ['https://svc-abc123-uc.a.run.app/path', { kind: 'run', origin: 'https://svc-abc123-uc.a.run.app' }],
    ['https://svc-123456789.us-central1.run.app', { kind: 'run', origin: 'https://svc-123456789.us-central1.run.app' }],
    ['https://run.googleapis.com/v2/projects/p/locations/us-central1/jobs/j:run', { kind: 'google-api', host: 'run.googleapis.com' }],
    [
      'https://workflowexecutions.googleapis.com/v1/projects/p/locations/l/workflows/w/executions',
      { kind: 'google-api', host: 'workflowexecutions.googleapis.com' }
    ],
    ['https://example.com', { kind: 'other', origin: 'https://example.com' }],
    ['https://example.com/a/b?c=d', { kind: 'other', origin: 'https://example.com' }],
    ['https://googleapis.com.evil.example/x', { kind: 'other', origin: 'https://googleapis.com.evil.example' }],
    ['https://fake.run.app.example.com/x', { kind: 'other', origin: 'https://fake.run.app.example.com' }]
  ])('%s', (uri, expected) => {
    expect(shapeOf(uri)).toEqual(expected)
  })

  it.each(['garbage', '', 'not a url at all', '://missing-scheme'])('garbage %j → undefined', uri => {
    expect(shapeOf(uri)).toBeUndefined()
  })
})

describe('originOf', () => {
  it.each([
    ['https://svc-abc123-uc.a.run.app/path?x=1#f', 'https://svc-abc123-uc.a.run.app'],
    ['https://svc-abc123-uc.a.run.app/', 'https://svc-abc123-uc.a.run.app'],
    ['https://svc-abc123-uc.a.run.app', 'https://svc-abc123-uc.a.run.app'],
    ['https://host.example:8443/p', 'https://host.example:8443'],
    ['https://HOST.Example.com/P', 'https://host.example.com'],
    ['garbage', 'garbage']
  ])('%s → %s', (url, origin) => {
    expect(originOf(url)).toBe(origin)
  })
})

describe('service accounts', () => {
  it.each([
    ['sa@my-proj.iam.gserviceaccount.com', 'my-proj'],
    ['deployer@my-proj-123.iam.gserviceaccount.com', 'my-proj-123'],
    ['123456-compute@developer.gserviceaccount.com', undefined],
    ['someone@gmail.com', undefined],
    ['', undefined],
    ['sa@my-proj.iam.gserviceaccount.com.evil.example', undefined]
  ])('projectOfServiceAccount(%j) = %j', (email, project) => {
    expect(projectOfServiceAccount(email)).toBe(project)
  })

  it('schedulerServiceAgent', () => {
    expect(schedulerServiceAgent('123456789012')).toBe('service-123456789012@gcp-sa-cloudscheduler.iam.gserviceaccount.com')
  })
})

describe('parseWifProvider', () => {
  it('splits a provider name', () => {
    expect(parseWifProvider('projects/123456789/locations/global/workloadIdentityPools/github-pool/providers/github-prov')).toEqual({
      projectNumber: '123456789',
      pool: 'github-pool',
      provider: 'github-prov'
    })
  })

  it.each([
    'projects/my-proj/locations/global/workloadIdentityPools/github-pool/providers/github-prov',
    'projects/123/locations/us-central1/workloadIdentityPools/github-pool/providers/github-prov',
    'projects/123/locations/global/workloadIdentityPools/github-pool',
    '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github-pool/providers/github-prov',
    'projects/123/locations/global/workloadIdentityPools/GitHub/providers/github-prov',
    ''
  ])('rejects %j', value => {
    expect(() => parseWifProvider(value)).toThrow(NameError)
  })
})

describe('parseHttpsUrl', () => {
  it('accepts https', () => {
    expect(parseHttpsUrl('https://a.example/x', 'audience').host).toBe('a.example')
  })
  it.each([
    ['http://a.example', /https/],
    ['nope', /not a URL/]
  ])('rejects %s', (value, why) => {
    expect(() => parseHttpsUrl(value, 'audience')).toThrow(why)
  })
})
