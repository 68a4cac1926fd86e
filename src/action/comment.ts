/**
 * The sticky PR comment: one comment per workflow job, found again by a hidden marker and
 * edited in place on every run. It is best-effort: the step's own success or failure is the
 * status check, so nothing here throws at the caller; every refusal becomes one line to log.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { getOctokit } from '@actions/github'

/** The few calls the sticky comment needs, so the upsert can be tested without GitHub. */
export interface PullRequestComments {
  /** Every comment on the pull request, oldest first, across all pages, with its author's login. */
  list(): Promise<{ id: number; body: string; author: string }[]>
  /** The login comments are posted as: the token's own identity. */
  whoami(): Promise<string>
  create(body: string): Promise<void>
  update(id: number, body: string): Promise<void>
}

export interface PullRequestRef {
  owner: string
  repo: string
  number: number
}

/** Whether to comment, and where; `warning` is set when a comment was wanted but cannot be made. */
export type CommentTarget = { comment: true; pr: PullRequestRef; token: string; marker: string } | { comment: false; warning?: string }

const PR_EVENTS = ['pull_request', 'pull_request_target']

/** Who a workflow's GITHUB_TOKEN posts as. */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot]'

/** GitHub rejects comment bodies over 65536 characters. */
export const MAX_BODY = 65536

/**
 * The hidden marker of this workflow job's comment. Both parts are URI-encoded so a workflow
 * or job name can neither close the HTML comment (`-->`) nor make two pairs look alike
 * (`a:b` + `c` against `a` + `b:c`).
 */
export function stickyMarker(workflow: string, job: string, scope?: string): string {
  const tail = scope ? `:${createHash('sha256').update(scope).digest('hex').slice(0, 12)}` : ''
  return `<!-- scheduler-oidc-doctor:${encodeURIComponent(workflow)}:${encodeURIComponent(job)}${tail} -->`
}

/**
 * What one use of the action checks: matrix legs share a job id, and one job may use the action
 * twice, so the marker also carries a short hash of the project, location and selection.
 */
export function commentScope(s: { project: string; location: string; jobs: { kind: string; ids?: string[] }; target?: { input: string; id: string } }): string {
  return [s.project, s.location, s.target ? `${s.target.input}:${s.target.id}` : '', s.jobs.kind, ...(s.jobs.ids ?? [])].join('/')
}

/**
 * Decides from the runner's environment whether this run comments on a pull request.
 * Events other than pull requests and `comment: false` are silent no-ops (the input defaults to
 * true, so a warning on every push would be noise); a pull request that cannot be commented
 * on gets a warning that names the fix.
 */
export function commentTarget(s: { comment: boolean; githubToken?: string; scope?: string }, env: NodeJS.ProcessEnv = process.env): CommentTarget {
  const event = env.GITHUB_EVENT_NAME ?? ''
  if (!s.comment || !PR_EVENTS.includes(event)) return { comment: false }
  const skip = (why: string): CommentTarget => ({ comment: false, warning: `No PR comment: ${why}` })
  if (!s.githubToken) return skip("'github_token' is empty; pass `github_token: ${{ github.token }}` or set `comment: false`.")

  let payload: { number?: unknown; pull_request?: { number?: unknown }; repository?: { name?: unknown; owner?: { login?: unknown } } }
  try {
    payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8'))
  } catch (e) {
    return skip(`cannot read the ${event} event payload at GITHUB_EVENT_PATH "${env.GITHUB_EVENT_PATH ?? ''}" (${(e as Error).message}).`)
  }
  const number = payload.pull_request?.number ?? payload.number
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1)
    return skip(`the ${event} event payload has no pull_request.number; set \`comment: false\` if this is not a pull request run.`)
  // The payload names the repository the pull request lives in; GITHUB_REPOSITORY is the same on a runner.
  const owner = payload.repository?.owner?.login
  const name = payload.repository?.name
  const [envOwner, envRepo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const pr = { owner: typeof owner === 'string' ? owner : envOwner, repo: typeof name === 'string' ? name : envRepo, number }
  if (!pr.owner || !pr.repo) return skip('neither the event payload nor GITHUB_REPOSITORY names the repository.')
  return { comment: true, pr, token: s.githubToken, marker: stickyMarker(env.GITHUB_WORKFLOW ?? '', env.GITHUB_JOB ?? '', s.scope) }
}

/** The comment's text: the marker first (hidden), then the report, cut to fit GitHub's limit. */
export function commentBody(marker: string, markdown: string): string {
  const body = `${marker}\n${markdown}`
  if (body.length <= MAX_BODY) return body
  const note = '\n\n…\n\n_Report cut to fit a PR comment; the job summary of this run has all of it._\n'
  return body.slice(0, MAX_BODY - note.length) + note
}

/**
 * Creates the comment that carries `marker`, or edits it in place if one exists. Only that one
 * comment is ever written: other people's comments and other jobs' markers are left alone. An
 * unchanged body is not rewritten.
 */
export async function upsertStickyComment(comments: PullRequestComments, marker: string, markdown: string): Promise<'created' | 'updated' | 'unchanged'> {
  const full = commentBody(marker, markdown)
  // Ours: posted by this token's identity and starting with the marker. Anyone can paste a marker
  // into a comment, and a report can quote one from Google's text; neither is taken for ours.
  // The oldest one wins, should a race between two runs ever have left two.
  const [all, me] = await Promise.all([comments.list(), comments.whoami()])
  const mine = all.find(c => c.author === me && c.body.startsWith(marker))
  if (!mine) {
    await comments.create(full)
    return 'created'
  }
  if (mine.body === full) return 'unchanged'
  await comments.update(mine.id, full)
  return 'updated'
}

/**
 * The calls over GitHub's REST API, through `@actions/github` so the runner's proxy settings
 * apply. `baseUrl` defaults to GITHUB_API_URL (GitHub Enterprise Server, or a local stand-in).
 * Every request is bounded by `timeoutMs`: a comment must not hold up the step.
 */
export function githubComments(token: string, pr: PullRequestRef, opts: { baseUrl?: string; timeoutMs?: number } = {}): PullRequestComments {
  const octokit = getOctokit(token, {
    baseUrl: opts.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com',
    request: { signal: AbortSignal.timeout(opts.timeoutMs ?? 30000) }
  })
  const issue = { owner: pr.owner, repo: pr.repo, issue_number: pr.number }
  return {
    async list() {
      const all = await octokit.paginate(octokit.rest.issues.listComments, { ...issue, per_page: 100 })
      return all.map(c => ({ id: c.id, body: c.body ?? '', author: c.user?.login ?? '' }))
    },
    async whoami() {
      try {
        return (await octokit.rest.users.getAuthenticated()).data.login
      } catch (e) {
        // The workflow's GITHUB_TOKEN is an app installation token: GET /user is refused (403),
        // and its comments are posted as github-actions[bot].
        if ((e as { status?: unknown }).status === 403) return GITHUB_ACTIONS_BOT
        throw e
      }
    },
    async create(body) {
      await octokit.rest.issues.createComment({ ...issue, body })
    },
    async update(id, body) {
      await octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: id, body })
    }
  }
}

/**
 * One line for a failed comment: what GitHub said and what to change. Only an error that came
 * with a response has a real HTTP status: Octokit labels network failures and timeouts 500 too.
 */
export function explainCommentError(e: unknown, pr: PullRequestRef): string {
  const where = `${pr.owner}/${pr.repo}#${pr.number}`
  const err = e as { status?: unknown; response?: unknown } | undefined
  const status = err?.response && typeof err.status === 'number' ? err.status : undefined
  // Octokit's message is GitHub's, followed by the documentation URL: keep the first part.
  const said = ((e instanceof Error ? e.message : String(e)).split(' - ')[0] || 'no message').replace(/\s+/g, ' ').trim()
  const head = `Could not post the PR comment on ${where}`
  if (status === 401) return `${head}: GitHub rejected the token (401 ${said}); check 'github_token'. The report is in the job summary.`
  if (status === 403)
    return `${head}: the token may not write comments (403 ${said}); grant \`permissions: pull-requests: write\`. A pull request from a fork gets a read-only token whatever the permissions, so there the report is only in the job summary.`
  if (status === 404)
    return `${head}: not found (404 ${said}); the token cannot see ${pr.owner}/${pr.repo} or the pull request. The report is in the job summary.`
  if (status !== undefined) return `${head}: GitHub answered ${status} (${said}). The report is in the job summary.`
  return `${head}: ${said}. The report is in the job summary.`
}

/** Upserts the sticky comment; never throws. Returns what happened, or the line to warn with. */
export async function postStickyComment(
  target: Extract<CommentTarget, { comment: true }>,
  markdown: string,
  comments: PullRequestComments = githubComments(target.token, target.pr)
): Promise<{ done: 'created' | 'updated' | 'unchanged' } | { warning: string }> {
  try {
    return { done: await upsertStickyComment(comments, target.marker, markdown) }
  } catch (e) {
    return { warning: explainCommentError(e, target.pr) }
  }
}
