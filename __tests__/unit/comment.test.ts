/** The sticky PR comment: which comment is ours, when to comment at all, and how a refusal reads. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import {
  MAX_BODY,
  commentBody,
  commentTarget,
  explainCommentError,
  githubComments,
  postStickyComment,
  stickyMarker,
  upsertStickyComment,
  type PullRequestComments
} from '../../src/action/comment'
import { start } from '../../fake-github/server'

const BOT = 'github-actions[bot]'

/** An in-memory pull request that records every write; comments are the bot's unless they name an author. */
function memory(initial: { id: number; body: string; author?: string }[] = [], me = BOT) {
  const comments = initial.map(c => ({ author: BOT, ...c }))
  const writes: string[] = []
  let next = 9000
  const api: PullRequestComments = {
    list: async () => comments.map(c => ({ ...c })),
    whoami: async () => me,
    create: async body => {
      writes.push(`create`)
      comments.push({ id: next++, body, author: me })
    },
    update: async (id, body) => {
      writes.push(`update ${id}`)
      comments.find(c => c.id === id)!.body = body
    }
  }
  return { api, comments, writes }
}

const MARKER = stickyMarker('CI', 'check')

describe('upsertStickyComment', () => {
  it("someone else's comment carrying the marker, or ours quoting it mid-body, is never taken for ours", async () => {
    const pr = memory([
      { id: 1, body: `${MARKER}\nforged by a reviewer`, author: 'mallory' },
      { id: 2, body: `## another report quoting ${MARKER} from a hostile audience` }
    ])
    expect(await upsertStickyComment(pr.api, MARKER, '## report')).toBe('created')
    expect(pr.writes).toEqual(['create'])
    expect(pr.comments.map(c => c.body)).toEqual([
      `${MARKER}\nforged by a reviewer`,
      `## another report quoting ${MARKER} from a hostile audience`,
      `${MARKER}\n## report`
    ])
  })

  it('a personal token finds its own comment by its own login', async () => {
    const pr = memory([{ id: 7, body: `${MARKER}\nold`, author: 'octocat' }], 'octocat')
    expect(await upsertStickyComment(pr.api, MARKER, '## new')).toBe('updated')
    expect(pr.writes).toEqual(['update 7'])
  })

  it('creates the comment, marker first, when none carries the marker', async () => {
    const pr = memory([{ id: 1, body: 'LGTM' }])
    expect(await upsertStickyComment(pr.api, MARKER, '## report')).toBe('created')
    expect(pr.writes).toEqual(['create'])
    expect(pr.comments[1].body).toBe(`${MARKER}\n## report`)
    expect(pr.comments[0].body).toBe('LGTM')
  })

  it('edits the marked comment in place and leaves other comments and other markers alone', async () => {
    const other = stickyMarker('CI', 'check-staging')
    const pr = memory([
      { id: 1, body: 'LGTM' },
      { id: 2, body: `${other}\nstaging report` },
      { id: 3, body: `${MARKER}\nold report` },
      { id: 4, body: 'one more thing' }
    ])
    expect(await upsertStickyComment(pr.api, MARKER, 'new report')).toBe('updated')
    expect(pr.writes).toEqual(['update 3'])
    expect(pr.comments.map(({ author: _author, ...c }) => c)).toEqual([
      { id: 1, body: 'LGTM' },
      { id: 2, body: `${other}\nstaging report` },
      { id: 3, body: `${MARKER}\nnew report` },
      { id: 4, body: 'one more thing' }
    ])
  })

  it('does not rewrite a comment whose text is already current', async () => {
    const pr = memory([{ id: 3, body: `${MARKER}\nsame` }])
    expect(await upsertStickyComment(pr.api, MARKER, 'same')).toBe('unchanged')
    expect(pr.writes).toEqual([])
  })

  it('a marker that is a prefix of another does not match it', async () => {
    // The closing ` -->` is part of the marker, so job "check" never takes job "check-2"'s comment.
    const pr = memory([{ id: 5, body: `${stickyMarker('CI', 'check-2')}\nx` }])
    expect(await upsertStickyComment(pr.api, MARKER, 'y')).toBe('created')
    expect(pr.comments.map(c => c.id)).toEqual([5, 9000])
  })

  it('finds its comment beyond the first 100, through the API pagination (fake GitHub)', async () => {
    const noise = Array.from({ length: 230 }, (_, i) => ({ repo: 'acme/jobs', issue: 7, body: `comment ${i}` }))
    const gh = await start({
      token: 't0ken',
      comments: [...noise.slice(0, 150), { repo: 'acme/jobs', issue: 7, body: `${MARKER}\nold`, id: 77777, user: 'github-actions[bot]' }, ...noise.slice(150)]
    })
    try {
      const api = githubComments('t0ken', { owner: 'acme', repo: 'jobs', number: 7 }, { baseUrl: gh.url })
      expect((await api.list()).length).toBe(231)
      expect(await upsertStickyComment(api, MARKER, 'new')).toBe('updated')
      expect(gh.commentsOn('acme/jobs', 7).length).toBe(231)
      expect(gh.comments.find(c => c.id === 77777)!.body).toBe(`${MARKER}\nnew`)
      // Two listings (the explicit one, then the upsert's), each 100 + 100 + 31.
      const gets = gh.requests.filter(r => r.method === 'GET' && r.path !== '/user').map(r => new URL(r.path, gh.url).searchParams)
      expect(gets.map(q => `${q.get('per_page')}:${q.get('page') ?? '1'}`)).toEqual(['100:1', '100:2', '100:3', '100:1', '100:2', '100:3'])
      expect(gh.requests.filter(r => r.method !== 'GET').map(r => `${r.method} ${r.path}`)).toEqual(['PATCH /repos/acme/jobs/issues/comments/77777'])
    } finally {
      await gh.close()
    }
  })
})

describe('stickyMarker and commentBody', () => {
  it('keeps workflow and job apart and cannot close the HTML comment early', () => {
    expect(stickyMarker('CI', 'check')).toBe('<!-- scheduler-oidc-doctor:CI:check -->')
    expect(stickyMarker('a:b', 'c')).not.toBe(stickyMarker('a', 'b:c'))
    expect(stickyMarker('x -->', 'y')).toBe('<!-- scheduler-oidc-doctor:x%20--%3E:y -->')
  })

  it('cuts a report that would exceed GitHub’s comment limit, and says so', () => {
    const body = commentBody(MARKER, 'x'.repeat(MAX_BODY))
    expect(body.length).toBeLessThanOrEqual(MAX_BODY)
    expect(body.startsWith(MARKER)).toBe(true)
    expect(body).toMatch(/job summary of this run has all of it/)
  })
})

describe('commentTarget', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'comment-test-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))
  const event = (payload: unknown): string => {
    const f = join(tmp, `event-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(f, JSON.stringify(payload))
    return f
  }
  const prEvent = event({ action: 'synchronize', number: 7, pull_request: { number: 7 }, repository: { name: 'jobs', owner: { login: 'acme' } } })
  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: prEvent,
    GITHUB_REPOSITORY: 'acme/jobs',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: 'check',
    ...over
  })
  const on = { comment: true, githubToken: 'ghs_x' }

  it('a pull_request run with a token comments on that pull request, marked by workflow and job', () => {
    expect(commentTarget(on, env())).toEqual({ comment: true, pr: { owner: 'acme', repo: 'jobs', number: 7 }, token: 'ghs_x', marker: MARKER })
    expect(commentTarget(on, env({ GITHUB_EVENT_NAME: 'pull_request_target' })).comment).toBe(true)
  })

  it('a push event: no comment and nothing to warn about', () => {
    expect(commentTarget(on, env({ GITHUB_EVENT_NAME: 'push' }))).toEqual({ comment: false })
    expect(commentTarget(on, env({ GITHUB_EVENT_NAME: 'schedule' }))).toEqual({ comment: false })
  })

  it('comment: false on a pull request: no comment, silently', () => {
    expect(commentTarget({ comment: false, githubToken: 'ghs_x' }, env())).toEqual({ comment: false })
  })

  it('no token on a pull request: one line that names the input', () => {
    const t = commentTarget({ comment: true }, env())
    expect(t.comment).toBe(false)
    const warning = (t as { warning: string }).warning
    expect(warning).toMatch(/^No PR comment: 'github_token' is empty; pass `github_token: \$\{\{ github.token \}\}`/)
    expect(warning).not.toMatch(/\n/)
  })

  it('an unreadable event file or one without a PR number: a warning, not a throw', () => {
    const missing = commentTarget(on, env({ GITHUB_EVENT_PATH: join(tmp, 'nope.json') }))
    expect(missing).toMatchObject({ comment: false, warning: expect.stringMatching(/^No PR comment: cannot read the pull_request event payload/) })
    const noNumber = commentTarget(on, env({ GITHUB_EVENT_PATH: event({ repository: { name: 'jobs', owner: { login: 'acme' } } }) }))
    expect(noNumber).toMatchObject({ comment: false, warning: expect.stringMatching(/has no pull_request.number/) })
  })

  it('the repository comes from GITHUB_REPOSITORY when the payload lacks it', () => {
    const t = commentTarget(on, env({ GITHUB_EVENT_PATH: event({ pull_request: { number: 12 } }), GITHUB_REPOSITORY: 'other/repo' }))
    expect(t).toMatchObject({ comment: true, pr: { owner: 'other', repo: 'repo', number: 12 } })
  })
})

describe('refusals become one line, never a throw', () => {
  const pr = { owner: 'acme', repo: 'jobs', number: 7 }
  const target = { comment: true as const, pr, token: 'wrong', marker: MARKER }

  it('a read-only token (a fork’s pull request): 403 explained, nothing written', async () => {
    const gh = await start({ token: 't', readOnly: true })
    try {
      const r = await postStickyComment({ ...target, token: 't' }, 'report', githubComments('t', pr, { baseUrl: gh.url }))
      expect(r).toEqual({
        warning: expect.stringMatching(
          /^Could not post the PR comment on acme\/jobs#7: the token may not write comments \(403 Resource not accessible by integration\); grant `permissions: pull-requests: write`/
        )
      })
      expect((r as { warning: string }).warning).not.toMatch(/\n|https:/)
      expect(gh.comments).toEqual([])
    } finally {
      await gh.close()
    }
  })

  it('a wrong token: 401 explained', async () => {
    const gh = await start({ token: 'right' })
    try {
      const r = await postStickyComment(target, 'report', githubComments('wrong', pr, { baseUrl: gh.url }))
      expect(r).toEqual({ warning: expect.stringMatching(/GitHub rejected the token \(401 Bad credentials\); check 'github_token'/) })
    } finally {
      await gh.close()
    }
  })

  it('GitHub unreachable: the network error, not a made-up HTTP status', async () => {
    const gh = await start({ token: 't' })
    await gh.close()
    const r = await postStickyComment(target, 'report', githubComments('t', pr, { baseUrl: gh.url, timeoutMs: 5000 }))
    expect((r as { warning: string }).warning).toMatch(/^Could not post the PR comment on acme\/jobs#7: (?!GitHub answered)/)
  })

  it('explains a plain error by its message', () => {
    expect(explainCommentError(new Error('boom'), pr)).toBe('Could not post the PR comment on acme/jobs#7: boom. The report is in the job summary.')
  })
})
