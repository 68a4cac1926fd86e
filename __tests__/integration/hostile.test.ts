/**
 * Hostile values from Google, end to end: the bundled action against the stand-in, with a job's
 * OIDC audience or a Cloud Run service's custom audience set to a workflow command or a shell
 * injection. The runner log starts no command of theirs, the job summary renders them as text and
 * quotes them in the commands it prints, and the PR comment stays ours alone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { start, type FakeGithub } from '../../fake-github/server'
import { writePullRequestEvent } from '../fixtures/github'
import { commentScope, stickyMarker } from '../../src/action/comment'
import { block, parseBlocks, rendered, runShell, splitCodeSpans, unsafeHtml, unsafeMarkup } from '../fixtures/markdown'
import { act, API_URL, closeAll, job, OTHER_SA, P, R, service, world, type Run } from './world'

const tmp = mkdtempSync(join(tmpdir(), 'hostile-it-'))
const PWNED = join(tmp, 'pwned')
/** A workflow command on a line of its own, after a URL. */
const NEWLINE = 'https://x.run.app/\n::warning::pwned'
/** A command substitution that leaves a file behind if anything ever runs it. */
const TOUCH = `;$(touch ${PWNED})`

const TOKEN = 'ghs_hostile_token'
const PR = 9
const eventPath = writePullRequestEvent(tmp, PR)

const githubs: FakeGithub[] = []
afterAll(async () => {
  await closeAll()
  await Promise.all(githubs.map(g => g.close()))
  rmSync(tmp, { recursive: true, force: true })
})

const inputs = (over: Record<string, string> = {}) => ({ mode: 'verify', job: 'api-job', location: R, test_run: 'false', ...over })
const withAudience = (audience: string) =>
  world(s => {
    job(s, 'api-job').httpTarget!.oidcToken!.audience = audience
  })
const withCustomAudiences = (jobAudience: string) =>
  world(s => {
    service(s, 'api').customAudiences = [NEWLINE, TOUCH]
    job(s, 'api-job').httpTarget!.oidcToken!.audience = jobAudience
  })

/** The value a gcloud call passed for `name`. */
const flag =
  (name: string) =>
  (argv: string[]): string | undefined =>
    argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined

/** The lines the runner reads as workflow commands: any line, after \n, \r or \r\n, that starts with `::`. */
const commandLines = (log: string): string[] => log.split(/\r\n|\r|\n/).filter(l => l.startsWith('::'))
/** The commands the action itself issues; anything else in the log came from data. */
const OURS = /^::(error|warning|notice)( [^:]*)?::|^::(group|endgroup|debug|add-mask)::/

/** The log starts no command of the value's, and the action's own commands carry it escaped. */
function expectLogSafe(r: Run): void {
  const commands = commandLines(r.stdout)
  expect(commands.filter(l => !OURS.test(l))).toEqual([])
  expect(commands.filter(l => /^::warning::pwned/.test(l))).toEqual([])
  // The action masks its own tokens (one word each); nothing of the data becomes a mask.
  expect(commands.filter(l => l.startsWith('::add-mask::') && !/^::add-mask::(ya29\.|ghs_)\S+$/.test(l))).toEqual([])
  expect(r.stderr).not.toMatch(/^::/m)
}

/** The summary: no markup from the value; its commands (if any) run only gcloud, each with --project, each once. */
async function expectSummarySafe(r: Run): Promise<ReturnType<typeof runShell>> {
  expect(r.summary).not.toBe('')
  expect(unsafeMarkup(r.summary)).toEqual([])
  // And as a GFM renderer shows it: only the report's own elements, no link hiding its address.
  expect(await unsafeHtml(r.summary)).toEqual([])
  const { blocks, outside } = parseBlocks(r.summary)
  const text = outside.map(l => splitCodeSpans(l).text).join('\n')
  expect(text).not.toContain('<!-- scheduler-oidc-doctor')
  expect(text).not.toMatch(/^::/m)
  const sh = blocks.filter(b => b.lang === 'sh')
  expect(sh.length).toBeLessThanOrEqual(1)
  const run = runShell(sh.flatMap(b => b.lines).join('\n'))
  expect(run.ran).toEqual([])
  expect(existsSync(PWNED)).toBe(false)
  for (const argv of run.gcloud) expect(argv.slice(argv.indexOf('--project'), argv.indexOf('--project') + 2)).toEqual(['--project', P])
  expect(new Set(run.gcloud.map(a => JSON.stringify(a))).size).toBe(run.gcloud.length)
  return run
}

describe('a hostile job audience', () => {
  it('a workflow command after a newline: escaped in the annotations, folded in the log, text in the summary, raw in the outputs', async () => {
    const r = await act(withAudience(NEWLINE), inputs({ test_run: 'true' }))
    expect(r.outputs.result).toBe('failed')
    expect(r.code).toBe(1)
    expectLogSafe(r)
    // The annotation names the finding with the value escaped (%0A), on one line.
    expect(r.stdout).toMatch(/^::error title=api-job%3A OIDC audience::api-job: OIDC audience: found https:\/\/x\.run\.app\/%0A::warning::pwned, expected /m)
    // The engine's own log line folds it.
    expect(r.stdout).toContain('api-job: OIDC audience: https://x.run.app/ ⏎ ::warning::pwned')
    await expectSummarySafe(r)
    expect(rendered(r.summary)).toContain('| ❌ | OIDC audience | https://x.run.app/ ::warning::pwned |')
    expect(block(r.summary, 'diff').lines).toContain('- audience: https://x.run.app/ ::warning::pwned')
    // Outputs are data for other steps: the value as Google holds it.
    expect(r.jobs[0].findings).toContainEqual(expect.objectContaining({ check: 'job.audience', found: NEWLINE }))
  })

  it('a command substitution: shown as text, never run; the command sets the accepted audience', async () => {
    const r = await act(withAudience(TOUCH), inputs())
    expect(r.outputs.result).toBe('drift')
    expectLogSafe(r)
    const run = await expectSummarySafe(r)
    expect(r.summary).toContain(`| ❌ | OIDC audience | ${TOUCH} |`)
    expect(run.gcloud.map(flag('--oidc-token-audience'))).toEqual([API_URL])
    expect(existsSync(PWNED)).toBe(false)
  })
})

describe('a hostile custom audience on the Cloud Run service', () => {
  it('the job uses it and its account changes: the printed command quotes it as one word', async () => {
    const r = await act(withCustomAudiences(TOUCH), inputs({ invoker_service_account: OTHER_SA }))
    expect(r.outputs.result).toBe('drift')
    expectLogSafe(r)
    const run = await expectSummarySafe(r)
    expect(run.gcloud).toContainEqual([
      'scheduler',
      'jobs',
      'update',
      'http',
      'api-job',
      '--project',
      P,
      '--location',
      R,
      '--oidc-service-account-email',
      OTHER_SA,
      '--oidc-token-audience',
      TOUCH
    ])
    expect(block(r.summary, 'sh').lines.join('\n')).toContain(`--oidc-token-audience ';$(touch ${PWNED})'`)
    expect(existsSync(PWNED)).toBe(false)
  })

  it('a newline in it: the job using it keeps one quoted word; the log and the summary stay safe', async () => {
    const r = await act(withCustomAudiences(NEWLINE), inputs({ invoker_service_account: OTHER_SA }))
    expectLogSafe(r)
    const run = await expectSummarySafe(r)
    expect(run.gcloud.map(flag('--oidc-token-audience')).filter(Boolean)).toEqual([NEWLINE])
  })

  it("an 'audience' input no target accepts: the remedy lists the custom audiences as text", async () => {
    const r = await act(withCustomAudiences(API_URL), inputs({ audience: 'https://nope.example' }))
    expect(r.outputs.result).toBe('failed')
    expectLogSafe(r)
    await expectSummarySafe(r)
    const row = r.summary.split('\n').find(l => l.startsWith('| ❌ | OIDC audience |'))!
    expect(row).toContain('https://x.run.app/ ::warning::pwned')
    expect(row).toContain(TOUCH)
  })
})

describe('the PR comment with hostile values', () => {
  const marker = stickyMarker('CI', 'check', commentScope({ project: P, location: R, jobs: { kind: 'named', ids: ['api-job'] } }))
  const prEnv = (gh: FakeGithub): Record<string, string> => ({
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'acme/jobs',
    GITHUB_API_URL: gh.url,
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: 'check'
  })

  it('posted once, then edited in place; a reviewer comment holding the marker, and a report quoting it, are never touched', async () => {
    const forged = `${marker}\nLooks fine, merge it. @admin`
    const quoting = `## another report\n\nIt quoted ${marker} from an audience.`
    const gh = await start({
      token: TOKEN,
      comments: [
        { repo: 'acme/jobs', issue: PR, body: forged, user: 'mallory' },
        { repo: 'acme/jobs', issue: PR, body: quoting, user: 'github-actions[bot]' }
      ]
    })
    githubs.push(gh)
    const before = gh.commentsOn('acme/jobs', PR).map(c => ({ ...c }))

    // The audience carries this very marker, a workflow command and a mention.
    const first = await act(withAudience(`${NEWLINE} ${marker} @admin please`), inputs({ github_token: TOKEN }), prEnv(gh))
    expect(first.outputs.result).toBe('drift')
    expect(first.stdout).toMatch(/PR comment created on acme\/jobs#9/)
    expectLogSafe(first)
    await expectSummarySafe(first)
    const ours = gh.commentsOn('acme/jobs', PR).filter(c => !before.some(b => b.id === c.id))
    expect(ours).toHaveLength(1)
    expect(ours[0]).toMatchObject({ user: 'github-actions[bot]', body: `${marker}\n${first.summary}` })
    // The marker is in the body again (the diff shows the old audience verbatim, inside its block),
    // and nowhere as markup: the comment is ours by its start and its author, not by containing it.
    expect(ours[0].body.split(marker).length - 1).toBe(2)
    expect(block(ours[0].body, 'diff').lines.some(l => l.includes(marker))).toBe(true)
    expect(unsafeMarkup(ours[0].body.slice(marker.length))).toEqual([])

    const second = await act(withAudience(`${TOUCH} ${marker}`), inputs({ github_token: TOKEN }), prEnv(gh))
    expect(second.stdout).toMatch(/PR comment updated on acme\/jobs#9/)
    await expectSummarySafe(second)
    const after = gh.commentsOn('acme/jobs', PR)
    expect(after.map(c => c.id)).toEqual([...before.map(c => c.id), ours[0].id])
    expect(after.find(c => c.id === ours[0].id)!.body).toBe(`${marker}\n${second.summary}`)
    expect(second.summary).toContain(marker)
    // The reviewer's comment and the other report are as they were.
    expect(after.slice(0, 2)).toEqual(before)
    expect(gh.requests.filter(q => q.method !== 'GET').map(q => `${q.method} ${q.path}`)).toEqual([
      `POST /repos/acme/jobs/issues/${PR}/comments`,
      `PATCH /repos/acme/jobs/issues/comments/${ours[0].id}`
    ])
    expect(existsSync(PWNED)).toBe(false)
  })
})
