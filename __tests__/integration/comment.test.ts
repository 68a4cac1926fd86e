/**
 * The sticky PR comment, end to end: the bundled action on a pull_request event, against the
 * Google stand-in and a stand-in for GitHub's REST API.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { start, type FakeGithub } from '../../fake-github/server'
import { writePullRequestEvent } from '../fixtures/github'
import { commentScope, stickyMarker } from '../../src/action/comment'
import { act, closeAll, healthy, job, P, R, world } from './world'

const TOKEN = 'ghs_pr_comment_token'
const PR = 7
const tmp = mkdtempSync(join(tmpdir(), 'comment-it-'))
const eventPath = writePullRequestEvent(tmp, PR)

const githubs: FakeGithub[] = []
afterAll(async () => {
  await closeAll()
  await Promise.all(githubs.map(g => g.close()))
  rmSync(tmp, { recursive: true, force: true })
})

async function github(opts: Partial<Parameters<typeof start>[0]> = {}): Promise<FakeGithub> {
  const g = await start({ token: TOKEN, ...opts })
  githubs.push(g)
  return g
}

/** A runner's environment for a pull_request run of workflow `CI`, job `check` unless told. */
const prEnv = (gh: FakeGithub, over: Record<string, string> = {}): Record<string, string> => ({
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_EVENT_PATH: eventPath,
  GITHUB_REPOSITORY: 'acme/jobs',
  GITHUB_API_URL: gh.url,
  GITHUB_WORKFLOW: 'CI',
  GITHUB_JOB: 'check',
  ...over
})

const inputs = (over: Record<string, string> = {}) => ({ mode: 'verify', job: 'legacy-job', location: R, test_run: 'false', github_token: TOKEN, ...over })
const drifted = () =>
  world(s => {
    job(s, 'legacy-job').httpTarget!.oidcToken!.audience = 'https://example.com'
  })
const writesTo = (gh: FakeGithub) => gh.requests.filter(r => r.method !== 'GET')

describe('sticky PR comment', () => {
  it('created once, then edited in place on the next run; an unrelated comment is untouched', async () => {
    const gh = await github({ comments: [{ repo: 'acme/jobs', issue: PR, body: 'Please also check the staging job.', user: 'octocat' }] })
    const marker = stickyMarker('CI', 'check', commentScope({ project: P, location: R, jobs: { kind: 'named', ids: ['legacy-job'] } }))

    const first = await act(healthy(), inputs(), prEnv(gh))
    expect(first.outputs.result).toBe('ok')
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`::add-mask::${TOKEN}`)
    expect(first.stdout).toMatch(/PR comment created on acme\/jobs#7/)
    const mine = gh.commentsOn('acme/jobs', PR).filter(c => c.body.includes(marker))
    expect(mine.length).toBe(1)
    const id = mine[0].id
    // The comment says what the job summary says, after the hidden marker.
    expect(mine[0].body).toBe(`${marker}\n${first.summary}`)
    expect(mine[0].body).toMatch(/## ✅ ok/)

    const second = await act(drifted(), inputs(), prEnv(gh))
    expect(second.outputs.result).toBe('drift')
    expect(second.code).toBe(1)
    const after = gh.commentsOn('acme/jobs', PR)
    expect(after.length).toBe(2)
    expect(after.filter(c => c.body.includes(marker)).map(c => c.id)).toEqual([id])
    expect(after.find(c => c.id === id)!.body).toBe(`${marker}\n${second.summary}`)
    expect(after.find(c => c.id === id)!.body).toMatch(/## ⚠️ drift/)
    expect(after.find(c => c.id !== id)).toMatchObject({ body: 'Please also check the staging job.', user: 'octocat' })
    expect(writesTo(gh).map(r => `${r.method} ${r.path}`)).toEqual(['POST /repos/acme/jobs/issues/7/comments', `PATCH /repos/acme/jobs/issues/comments/${id}`])

    // Same state again: the comment is already right, so it is not rewritten.
    const third = await act(drifted(), inputs(), prEnv(gh))
    expect(third.stdout).toMatch(/PR comment unchanged/)
    expect(writesTo(gh).length).toBe(2)
  })

  it('another workflow job in the same PR keeps its own comment', async () => {
    const gh = await github()
    await act(healthy(), inputs(), prEnv(gh))
    await act(drifted(), inputs(), prEnv(gh, { GITHUB_JOB: 'check-staging' }))
    await act(drifted(), inputs(), prEnv(gh, { GITHUB_WORKFLOW: 'Nightly' }))
    const bodies = gh.commentsOn('acme/jobs', PR).map(c => c.body)
    expect(bodies.length).toBe(3)
    expect(bodies[0]).toMatch(/^<!-- scheduler-oidc-doctor:CI:check:[0-9a-f]{12} -->\n[\s\S]*## ✅ ok/)
    expect(bodies[1]).toMatch(/^<!-- scheduler-oidc-doctor:CI:check-staging:[0-9a-f]{12} -->\n[\s\S]*## ⚠️ drift/)
    expect(bodies[2]).toMatch(/^<!-- scheduler-oidc-doctor:Nightly:check:[0-9a-f]{12} -->\n[\s\S]*## ⚠️ drift/)
  })

  it('matrix legs (same workflow and job id, another location or job) keep their own comments', async () => {
    const gh = await github()
    await act(healthy(), inputs(), prEnv(gh))
    await act(healthy(), inputs({ job: 'api-job' }), prEnv(gh))
    await act(healthy(), inputs(), prEnv(gh))
    const bodies = gh.commentsOn('acme/jobs', PR).map(c => c.body)
    expect(bodies.length).toBe(2)
    expect(bodies[0]).toContain('legacy-job')
    expect(bodies[1]).toContain('api-job')
  })

  it("a fork's read-only token: the checks decide the step, the log has one line why there is no comment", async () => {
    const gh = await github({ readOnly: true })
    const r = await act(healthy(), inputs(), prEnv(gh))
    expect(r.outputs.result).toBe('ok')
    expect(r.code).toBe(0)
    const warnings = r.stdout.split('\n').filter(l => l.startsWith('::warning'))
    expect(warnings).toEqual([
      expect.stringMatching(
        /^::warning::Could not post the PR comment on acme\/jobs#7: the token may not write comments \(403 Resource not accessible by integration\); grant `permissions: pull-requests: write`\. A pull request from a fork gets a read-only token/
      )
    ])
    expect(warnings[0]).not.toMatch(/%0A|at .*\.js/)
    expect(r.stderr).not.toMatch(/RequestError|\n\s+at /)
    expect(gh.comments).toEqual([])
  })

  it('a failing step stays failed for its own reason when the comment is refused', async () => {
    const gh = await github({ readOnly: true })
    const r = await act(drifted(), inputs(), prEnv(gh))
    expect(r.outputs.result).toBe('drift')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/::error::Drift found/)
    expect(r.stdout).toMatch(/::warning::Could not post the PR comment/)
  })

  it('comment: false makes no GitHub call at all', async () => {
    const gh = await github()
    const r = await act(healthy(), inputs({ comment: 'false' }), prEnv(gh))
    expect(r.outputs.result).toBe('ok')
    expect(gh.requests).toEqual([])
  })

  it('a push event makes no GitHub call and no warning', async () => {
    const gh = await github()
    const r = await act(healthy(), inputs(), prEnv(gh, { GITHUB_EVENT_NAME: 'push' }))
    expect(r.outputs.result).toBe('ok')
    expect(gh.requests).toEqual([])
    expect(r.stdout).not.toMatch(/::warning/)
  })
})
