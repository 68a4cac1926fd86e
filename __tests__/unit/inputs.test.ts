import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { readActionSettings, type ActionSettings } from '../../src/action/inputs'
import { InputError, parseBoolean, parseIntInRange, readSettings, splitList, type Settings } from '../../src/settings'

type Inputs = Record<string, string>

const BASE: Inputs = { job: 'j1', project_id: 'my-proj', region: 'us-central1' }

/** readSettings over a plain map (missing inputs read as '', like core.getInput) and an explicit env. */
const read = (inputs: Inputs, env: NodeJS.ProcessEnv = {}): Settings => readSettings(n => inputs[n] ?? '', env)
/** The same over the action's reader, which adds the GitHub front end's own inputs. */
const readAction = (inputs: Inputs, env: NodeJS.ProcessEnv = {}): ActionSettings => readActionSettings(n => inputs[n] ?? '', env)

function errorOf(inputs: Inputs, env: NodeJS.ProcessEnv = {}, reader: (inputs: Inputs, env: NodeJS.ProcessEnv) => unknown = read): InputError {
  try {
    reader(inputs, env)
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    return e as InputError
  }
  throw new Error(`readSettings accepted ${JSON.stringify(inputs)}`)
}

const tmp = mkdtempSync(join(tmpdir(), 'inputs-test-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** An external_account ADC file as google-github-actions/auth writes it. */
function adcFile(email: string, encode = false): string {
  const file = join(tmp, `adc-${Math.random().toString(36).slice(2)}.json`)
  const who = encode ? encodeURIComponent(email) : email
  writeFileSync(
    file,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/prov',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: 'https://sts.googleapis.com/v1/token',
      service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${who}:generateAccessToken`,
      credential_source: { url: 'https://example.invalid/token', headers: {}, format: { type: 'json', subject_token_field_name: 'value' } }
    })
  )
  return file
}

describe('readSettings defaults', () => {
  it('fills every default from a minimal input set', () => {
    const s = read(BASE)
    expect(s).toEqual({
      mode: 'verify',
      jobs: { kind: 'named', ids: ['j1'] },
      target: undefined,
      project: 'my-proj',
      region: 'us-central1',
      location: 'us-central1',
      invokerServiceAccount: undefined,
      audience: undefined,
      checkServiceAgent: true,
      testRun: true,
      awaitExecution: false,
      expectedStatus: 200,
      timeoutSeconds: 180,
      workloadIdentityProvider: undefined,
      serviceAccount: undefined,
      universe: 'googleapis.com'
    })
  })

  it.each([
    ['region only → location = region', { job: 'j1', project_id: 'my-proj', region: 'europe-west1' }, 'europe-west1', 'europe-west1'],
    ['location only → region = location', { job: 'j1', project_id: 'my-proj', location: 'asia-east1' }, 'asia-east1', 'asia-east1'],
    ['both given → kept apart', { job: 'j1', project_id: 'my-proj', region: 'us-east1', location: 'us-central1' }, 'us-east1', 'us-central1'],
    ['job full name gives location, and region defaults to it', { job: 'projects/my-proj/locations/europe-west3/jobs/j1' }, 'europe-west3', 'europe-west3'],
    ['function full name gives region, and location defaults to it', { function: 'projects/my-proj/locations/us-east4/functions/fn' }, 'us-east4', 'us-east4'],
    [
      'function full name and job full name in different places keep both',
      { function: 'projects/my-proj/locations/us-east4/functions/fn', job: 'projects/my-proj/locations/us-central1/jobs/j1' },
      'us-east4',
      'us-central1'
    ]
  ])('%s', (_, inputs, region, location) => {
    const s = read(inputs)
    expect([s.region, s.location]).toEqual([region, location])
  })

  it.each([
    ['mode', 'fix', { mode: 'fix' }],
    ['mode', ' FIX ', { mode: 'fix' }],
    ['check_service_agent', 'false', { checkServiceAgent: false }],
    ['test_run', 'FALSE', { testRun: false }],
    ['expected_status', '204', { expectedStatus: 204 }],
    ['timeout', '30', { timeoutSeconds: 30 }],
    ['invoker_service_account', 'inv@my-proj.iam.gserviceaccount.com', { invokerServiceAccount: 'inv@my-proj.iam.gserviceaccount.com' }],
    ['audience', 'https://svc-abc-uc.a.run.app', { audience: 'https://svc-abc-uc.a.run.app' }],
    ['universe', 's3nsapis.fr', { universe: 's3nsapis.fr' }]
  ])('reads %s = %j', (name, value, expected) => {
    expect(read({ ...BASE, [name]: value })).toMatchObject(expected)
  })

  it('reads workload identity federation inputs together', () => {
    const s = read({
      ...BASE,
      workload_identity_provider: 'projects/123456/locations/global/workloadIdentityPools/my-pool/providers/my-prov',
      service_account: 'deployer@my-proj.iam.gserviceaccount.com'
    })
    expect(s.workloadIdentityProvider).toBe('projects/123456/locations/global/workloadIdentityPools/my-pool/providers/my-prov')
    expect(s.serviceAccount).toBe('deployer@my-proj.iam.gserviceaccount.com')
  })
})

describe("readActionSettings: the settings plus the action's own inputs", () => {
  it('fills their defaults from a minimal input set', () => {
    expect(readAction(BASE)).toEqual({ ...read(BASE), githubToken: undefined, comment: true })
  })

  it.each([
    ['comment', 'no', { comment: false }],
    ['github_token', 'ghs_x', { githubToken: 'ghs_x' }]
  ])('reads %s = %j', (name, value, expected) => {
    expect(readAction({ ...BASE, [name]: value })).toMatchObject(expected)
  })

  it('comment "2" → one line naming the input', () => {
    const e = errorOf({ ...BASE, comment: '2' }, {}, readAction)
    expect(e.message).not.toContain('\n')
    expect(e.message.startsWith(`Invalid 'comment'`)).toBe(true)
  })
})

describe('test_run: auto (the default) runs named jobs, not an audit of every job', () => {
  it.each([
    ['named job, default', { job: 'j1' }, true],
    ['named job, auto', { job: 'j1', test_run: 'auto' }, true],
    ['jobs selected by a target input, default', { job: '', function: 'fn' }, true],
    ["job: '*', default", { job: '*' }, false],
    ["job: '*', AUTO", { job: '*', test_run: 'AUTO' }, false],
    ["job: '*', forced true", { job: '*', test_run: 'true' }, true],
    ['named job, forced false', { job: 'j1', test_run: 'false' }, false]
  ])('%s → %s', (_name, inputs, expected) => {
    expect(read({ ...BASE, ...inputs }).testRun).toBe(expected)
  })

  it('a bad value names the input and the choices', () => {
    expect(() => read({ ...BASE, test_run: 'sometimes' })).toThrow('Invalid \'test_run\' "sometimes": expected auto, true or false.')
  })
})

describe('readSettings job selection', () => {
  it.each([
    ['a single id', 'j1', { kind: 'named', ids: ['j1'] }],
    ['commas', 'a,b,c', { kind: 'named', ids: ['a', 'b', 'c'] }],
    ['newlines and commas with blanks and spaces', 'a, b\nc,\n\n d ,', { kind: 'named', ids: ['a', 'b', 'c', 'd'] }],
    ['full names', 'projects/my-proj/locations/us-central1/jobs/j1\nprojects/my-proj/locations/us-central1/jobs/j2', { kind: 'named', ids: ['j1', 'j2'] }],
    ['*', '*', { kind: 'all' }],
    ['* with spaces', '  *  ', { kind: 'all' }],
    ['the same job twice, as id and full name', 'j1, j2\nprojects/my-proj/locations/us-central1/jobs/j1', { kind: 'named', ids: ['j1', 'j2'] }]
  ])('%s', (_, job, expected) => {
    expect(read({ ...BASE, job }).jobs).toEqual(expected)
  })

  it.each([
    ['function id', { function: 'fn' }, { input: 'function', id: 'fn' }],
    ['function full name', { function: 'projects/my-proj/locations/us-central1/functions/fn' }, { input: 'function', id: 'fn' }],
    ['service id', { service: 'svc' }, { input: 'service', id: 'svc' }],
    ['service full name', { service: 'projects/my-proj/locations/us-central1/services/svc' }, { input: 'service', id: 'svc' }]
  ])('empty job with a %s → every job that targets it', (_, target, expected) => {
    const s = read({ project_id: 'my-proj', region: 'us-central1', ...target })
    expect(s.jobs).toEqual({ kind: 'targeting' })
    expect(s.target).toEqual(expected)
  })

  it('splitList drops blanks', () => {
    expect(splitList(' ,\n,a,\n b \n')).toEqual(['a', 'b'])
  })
})

describe('readSettings project fallback', () => {
  const ENV_ALL = { GOOGLE_CLOUD_PROJECT: 'gcp-env-proj', CLOUDSDK_CORE_PROJECT: 'cloudsdk-proj', GCLOUD_PROJECT: 'gcloud-proj' }
  const SA_INPUT = { service_account: 'deployer@sa-proj.iam.gserviceaccount.com' }
  const noProject = { job: 'j1', region: 'us-central1' }

  it.each<[string, Inputs, () => NodeJS.ProcessEnv, string]>([
    [
      'project_id input beats everything',
      { ...noProject, project_id: 'input-proj', ...SA_INPUT },
      () => ({ ...ENV_ALL, GOOGLE_APPLICATION_CREDENTIALS: adcFile('x@adc-proj.iam.gserviceaccount.com') }),
      'input-proj'
    ],
    [
      'project_id input equal to the full names is fine',
      { job: 'projects/name-proj/locations/us-central1/jobs/j1', project_id: 'name-proj' },
      () => ENV_ALL,
      'name-proj'
    ],
    ['job full name beats the environment', { job: 'projects/name-proj/locations/us-central1/jobs/j1', ...SA_INPUT }, () => ENV_ALL, 'name-proj'],
    ['function full name beats the environment', { function: 'projects/fn-name-proj/locations/us-central1/functions/fn' }, () => ENV_ALL, 'fn-name-proj'],
    ['GOOGLE_CLOUD_PROJECT beats CLOUDSDK_CORE_PROJECT and GCLOUD_PROJECT', { ...noProject, ...SA_INPUT }, () => ENV_ALL, 'gcp-env-proj'],
    [
      'CLOUDSDK_CORE_PROJECT beats GCLOUD_PROJECT',
      noProject,
      () => ({ CLOUDSDK_CORE_PROJECT: 'cloudsdk-proj', GCLOUD_PROJECT: 'gcloud-proj' }),
      'cloudsdk-proj'
    ],
    ['GCLOUD_PROJECT', noProject, () => ({ GCLOUD_PROJECT: 'gcloud-proj' }), 'gcloud-proj'],
    ['blank env values are skipped', noProject, () => ({ GOOGLE_CLOUD_PROJECT: '  ', GCLOUD_PROJECT: 'gcloud-proj' }), 'gcloud-proj'],
    [
      "service_account's project beats the ADC file",
      { ...noProject, ...SA_INPUT },
      () => ({ GOOGLE_APPLICATION_CREDENTIALS: adcFile('x@adc-proj.iam.gserviceaccount.com') }),
      'sa-proj'
    ],
    [
      "the ADC file's impersonated account",
      noProject,
      () => ({ GOOGLE_APPLICATION_CREDENTIALS: adcFile('deployer@adc-proj.iam.gserviceaccount.com') }),
      'adc-proj'
    ],
    [
      "the ADC file's impersonated account, URL-encoded",
      noProject,
      () => ({ GOOGLE_APPLICATION_CREDENTIALS: adcFile('deployer@adc-enc-proj.iam.gserviceaccount.com', true) }),
      'adc-enc-proj'
    ]
  ])('%s', (_, inputs, env, project) => {
    expect(read(inputs, env()).project).toBe(project)
  })

  it.each<[string, () => NodeJS.ProcessEnv]>([
    ['no env at all', () => ({})],
    ['an ADC file that does not exist', () => ({ GOOGLE_APPLICATION_CREDENTIALS: join(tmp, 'missing.json') })],
    ['an ADC file for a default (non user-managed) account', () => ({ GOOGLE_APPLICATION_CREDENTIALS: adcFile('123-compute@developer.gserviceaccount.com') })]
  ])('project unknown with %s → one line naming project_id', (_, env) => {
    const e = errorOf(noProject, env())
    expect(e.message).toMatch(/^Invalid 'project_id' /)
    expect(e.message).not.toContain('\n')
  })
})

describe('readSettings bad input: one line naming the input', () => {
  it('unknown mode gives the exact message', () => {
    expect(errorOf({ ...BASE, mode: 'fixx' }).message).toBe(`Invalid 'mode' "fixx": expected verify or fix.`)
  })

  const WIF = 'projects/123456/locations/global/workloadIdentityPools/my-pool/providers/my-prov'
  const SA = 'deployer@my-proj.iam.gserviceaccount.com'

  it.each<[string, Inputs, string[], RegExp?]>([
    ['function and service both set', { ...BASE, function: 'fn', service: 'svc' }, ['function'], /'service'/],
    ['malformed job full name (wrong collection)', { ...BASE, job: 'projects/my-proj/locations/us-central1/schedules/j1' }, ['job'], /schedules/],
    ['malformed job full name (too short)', { ...BASE, job: 'projects/my-proj/jobs/j1' }, ['job']],
    ['job full name with a bad project', { ...BASE, job: 'projects/My_Proj/locations/us-central1/jobs/j1' }, ['job'], /My_Proj/],
    ['job full name with a bad location', { ...BASE, job: 'projects/my-proj/locations/central/jobs/j1' }, ['job'], /central/],
    ['job id with a space', { ...BASE, job: 'my job' }, ['job'], /"my job"/],
    ['one bad job among good ones', { ...BASE, job: 'j1,j 2,j3' }, ['job'], /"j 2"/],
    ['function id starting with a digit', { ...BASE, job: '', function: '1fn' }, ['function'], /"1fn"/],
    ['malformed function full name', { ...BASE, job: '', function: 'projects/my-proj/locations/us-central1/functions/' }, ['function']],
    ['function full name with a wrong collection', { ...BASE, job: '', function: 'projects/my-proj/locations/us-central1/services/fn' }, ['function']],
    ['service id with capitals', { ...BASE, job: '', service: 'My_Service' }, ['service'], /"My_Service"/],
    ['malformed service full name', { ...BASE, job: '', service: 'projects/my-proj/locations/us-central1/services/svc/extra' }, ['service']],
    ['invoker_service_account not an email', { ...BASE, invoker_service_account: 'not-an-email' }, ['invoker_service_account'], /"not-an-email"/],
    ['invoker_service_account without a domain', { ...BASE, invoker_service_account: 'sa@localhost' }, ['invoker_service_account']],
    [
      'invoker_service_account that is a user, not a service account',
      { ...BASE, invoker_service_account: 'alice@example.com' },
      ['invoker_service_account'],
      /service account email/
    ],
    [
      'invoker_service_account given as an IAM member',
      { ...BASE, invoker_service_account: 'serviceAccount:inv@my-proj.iam.gserviceaccount.com' },
      ['invoker_service_account'],
      /expected the account's email alone \(inv@my-proj\.iam\.gserviceaccount\.com\), without a member prefix/
    ],
    ['service_account that is a user', { ...BASE, service_account: 'alice@example.com' }, ['service_account'], /service account email/],
    [
      'invoker_service_account list',
      { ...BASE, invoker_service_account: 'a@x.iam.gserviceaccount.com,b@x.iam.gserviceaccount.com' },
      ['invoker_service_account']
    ],
    ['service_account not an email', { ...BASE, service_account: 'deployer' }, ['service_account'], /"deployer"/],
    ['audience over http', { ...BASE, audience: 'http://us-central1-my-proj.cloudfunctions.net/fn' }, ['audience'], /https/],
    ['audience not a URL', { ...BASE, audience: 'not a url' }, ['audience'], /"not a url"/],
    ['check_service_agent "yes please"', { ...BASE, check_service_agent: 'yes please' }, ['check_service_agent'], /"yes please"/],
    ['test_run "maybe"', { ...BASE, test_run: 'maybe' }, ['test_run']],
    ['expected_status "abc"', { ...BASE, expected_status: 'abc' }, ['expected_status'], /"abc"/],
    ['expected_status "99"', { ...BASE, expected_status: '99' }, ['expected_status']],
    ['expected_status "600"', { ...BASE, expected_status: '600' }, ['expected_status']],
    ['expected_status "200.5"', { ...BASE, expected_status: '200.5' }, ['expected_status']],
    ['timeout "0"', { ...BASE, timeout: '0' }, ['timeout'], /"0"/],
    ['timeout "-5"', { ...BASE, timeout: '-5' }, ['timeout']],
    ['timeout "ten"', { ...BASE, timeout: 'ten' }, ['timeout']],
    [
      'workload_identity_provider with a project id',
      { ...BASE, service_account: SA, workload_identity_provider: 'projects/my-proj/locations/global/workloadIdentityPools/my-pool/providers/my-prov' },
      ['workload_identity_provider']
    ],
    [
      'workload_identity_provider without a provider',
      { ...BASE, service_account: SA, workload_identity_provider: 'projects/123456/locations/global/workloadIdentityPools/my-pool' },
      ['workload_identity_provider']
    ],
    [
      'workload_identity_provider with the // prefix',
      { ...BASE, service_account: SA, workload_identity_provider: `//iam.googleapis.com/${WIF}` },
      ['workload_identity_provider']
    ],
    ['provider without service_account', { ...BASE, workload_identity_provider: WIF }, ['service_account'], /workload_identity_provider/],
    ['* mixed with other ids (comma)', { ...BASE, job: '*, j2' }, ['job'], /\*/],
    ['* mixed with other ids (newline)', { ...BASE, job: 'j1\n*' }, ['job']],
    ['* with a function', { ...BASE, job: '*', function: 'fn' }, ['job'], /leave 'job' empty to check every job that calls that function/],
    ['* with a service', { ...BASE, job: '*', service: 'svc' }, ['job'], /does not combine with 'service'/],
    ['nothing to act on', { project_id: 'my-proj', region: 'us-central1' }, ['job'], /function|service/],
    [
      'names from two projects (jobs)',
      { job: 'projects/proj-aaa/locations/us-central1/jobs/j1,projects/proj-bbb/locations/us-central1/jobs/j2' },
      ['job'],
      /proj-aaa.*proj-bbb|proj-bbb.*proj-aaa/
    ],
    [
      'names from two projects (job and function)',
      { job: 'projects/proj-aaa/locations/us-central1/jobs/j1', function: 'projects/proj-bbb/locations/us-central1/functions/fn' },
      ['job', 'function'],
      /proj-bbb/
    ],
    [
      'project_id disagreeing with the full names',
      { job: 'projects/proj-aaa/locations/us-central1/jobs/j1', project_id: 'proj-bbb' },
      ['project_id'],
      /proj-aaa/
    ],
    ['project_id malformed', { ...BASE, project_id: 'My Project' }, ['project_id']],
    ['region malformed', { ...BASE, region: 'uscentral' }, ['region']],
    ['location malformed', { ...BASE, location: 'us central1' }, ['location']],
    ['no region known', { job: 'j1', project_id: 'my-proj' }, ['region']],
    [
      'region input vs function full name',
      { job: 'j1', function: 'projects/my-proj/locations/us-central1/functions/fn', region: 'europe-west1' },
      ['region'],
      /us-central1/
    ],
    [
      'region input vs service full name',
      { job: 'j1', service: 'projects/my-proj/locations/us-central1/services/svc', region: 'europe-west1' },
      ['region'],
      /us-central1/
    ],
    ['location input vs job full name', { job: 'projects/my-proj/locations/europe-west1/jobs/j1', location: 'us-central1' }, ['location'], /europe-west1/],
    [
      'jobs in two locations',
      { job: 'projects/my-proj/locations/europe-west1/jobs/j1,projects/my-proj/locations/us-central1/jobs/j2' },
      ['job'],
      /europe-west1/
    ],
    ['universe malformed', { ...BASE, universe: 'https://googleapis.com' }, ['universe']]
  ])('%s', (_, inputs, names, ...rest) => {
    // A rest parameter: jest passes `done` to a callback that declares more parameters than the row has.
    const extra = rest[0]
    const e = errorOf(inputs)
    expect(e.message).not.toContain('\n')
    expect(names.some(n => e.message.startsWith(`Invalid '${n}'`))).toBe(true)
    if (extra) expect(e.message).toMatch(extra)
  })
})

describe('strict parsers', () => {
  it.each([
    ['', true, true],
    ['', false, false],
    ['true', false, true],
    ['True', false, true],
    ['yes', false, true],
    ['1', false, true],
    ['on', false, true],
    ['false', true, false],
    ['no', true, false],
    ['0', true, false],
    ['off', true, false]
  ])('parseBoolean(%j, fallback %s) = %s', (value, fallback, expected) => {
    expect(parseBoolean('x', value, fallback)).toBe(expected)
  })

  it.each(['yes please', 'tru', 'y', '2'])('parseBoolean rejects %j naming the input', value => {
    expect(() => parseBoolean('test_run', value, true)).toThrow(`Invalid 'test_run' "${value}": expected true or false.`)
  })

  it.each([
    ['', 200],
    ['100', 100],
    ['599', 599],
    [' 201 ', 201]
  ])('parseIntInRange(%j) = %d', (value, expected) => {
    expect(parseIntInRange('expected_status', value, 200, 100, 599)).toBe(expected)
  })

  it.each(['99', '600', 'abc', '1e2', '0x10', '-200'])('parseIntInRange rejects %j', value => {
    expect(() => parseIntInRange('expected_status', value, 200, 100, 599)).toThrow(/^Invalid 'expected_status' /)
  })
})
