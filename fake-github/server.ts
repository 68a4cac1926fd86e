/**
 * A stand-in for the three GitHub REST calls the sticky PR comment makes: list (paginated the
 * way GitHub does it, with a Link header), create and edit issue comments. It checks the token
 * as GitHub does, and `readOnly` answers writes like the read-only token of a fork's pull
 * request, so the action's handling of a refusal can be tested.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeComment {
  id: number
  /** `owner/repo` */
  repo: string
  /** the pull request (issue) number */
  issue: number
  body: string
  user: string
}

export interface FakeGithubRequest {
  method: string
  /** path and query, as sent */
  path: string
  body?: unknown
  status: number
}

export interface FakeGithubOptions {
  /** the only token accepted */
  token: string
  /** comments present at start (ids are assigned if missing) */
  comments?: (Partial<FakeComment> & Pick<FakeComment, 'repo' | 'issue' | 'body'>)[]
  /** writes get 403 "Resource not accessible by integration", as with a fork's pull_request token */
  readOnly?: boolean
  /** the login new comments are posted as */
  login?: string
}

export interface FakeGithub {
  /** base URL for GITHUB_API_URL, no trailing slash */
  url: string
  /** the live comment store, every repository and issue */
  comments: FakeComment[]
  requests: FakeGithubRequest[]
  /** comments on one pull request, oldest first */
  commentsOn(repo: string, issue: number): FakeComment[]
  close(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest'

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}

const fail = (res: ServerResponse, status: number, message: string): void => send(res, status, { message, documentation_url: DOCS, status: String(status) })

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    // Kept as text for the request log; the handler then answers 422 as GitHub would.
    return text
  }
}

export async function start(opts: FakeGithubOptions): Promise<FakeGithub> {
  let nextId = 1000
  const comments: FakeComment[] = (opts.comments ?? []).map(c => ({ user: 'someone', ...c, id: c.id ?? nextId++ }))
  nextId = Math.max(nextId, ...comments.map(c => c.id + 1))
  const requests: FakeGithubRequest[] = []
  const login = opts.login ?? 'github-actions[bot]'
  let base = ''

  const view = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${base}/repos/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${c.repo}/issues/${c.issue}`,
    body: c.body,
    user: { login: c.user, type: c.user.endsWith('[bot]') ? 'Bot' : 'User' }
  })

  async function handle(req: IncomingMessage, res: ServerResponse, record: FakeGithubRequest): Promise<void> {
    const url = new URL(req.url ?? '/', base)
    // GitHub accepts both schemes, case-insensitively; Octokit sends `token X` (or `bearer X` for a JWT).
    const auth = /^(token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '')
    if (!auth || auth[2] !== opts.token) return fail(res, 401, 'Bad credentials')

    // An installation token (a workflow's GITHUB_TOKEN) may not read /user; a user's token may.
    if (url.pathname === '/user' && req.method === 'GET')
      return login.endsWith('[bot]') ? fail(res, 403, 'Resource not accessible by integration') : send(res, 200, { login, type: 'User' })
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)
    const edit = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)
    const write = req.method === 'POST' || req.method === 'PATCH'
    if (write) record.body = await readJson(req)
    if ((list && req.method === 'POST') || (edit && req.method === 'PATCH')) {
      if (opts.readOnly) return fail(res, 403, 'Resource not accessible by integration')
      const body = (record.body as { body?: unknown } | undefined)?.body
      if (typeof body !== 'string') return send(res, 422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: DOCS, status: '422' })
      if (body.length > 65536)
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
          documentation_url: DOCS,
          status: '422'
        })
      if (list) {
        const c: FakeComment = { id: nextId++, repo: `${list[1]}/${list[2]}`, issue: Number(list[3]), body, user: login }
        comments.push(c)
        return send(res, 201, view(c))
      }
      const c = comments.find(x => x.id === Number(edit![3]) && x.repo === `${edit![1]}/${edit![2]}`)
      if (!c) return fail(res, 404, 'Not Found')
      c.body = body
      return send(res, 200, view(c))
    }
    if (list && req.method === 'GET') {
      const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1), 100)
      const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1)
      const all = comments.filter(c => c.repo === `${list[1]}/${list[2]}` && c.issue === Number(list[3]))
      const last = Math.max(Math.ceil(all.length / perPage), 1)
      const link = (p: number, rel: string): string => {
        const u = new URL(url)
        u.searchParams.set('per_page', String(perPage))
        u.searchParams.set('page', String(p))
        return `<${u}>; rel="${rel}"`
      }
      const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : [])]
      return send(res, 200, all.slice((page - 1) * perPage, page * perPage).map(view), links.length ? { link: links.join(', ') } : {})
    }
    return fail(res, 404, 'Not Found')
  }

  const server = createServer((req, res) => {
    const record: FakeGithubRequest = { method: req.method ?? '', path: req.url ?? '', status: 0 }
    requests.push(record)
    const writeHead = res.writeHead.bind(res)
    res.writeHead = ((status: number, ...rest: never[]) => {
      record.status = status
      return writeHead(status, ...rest)
    }) as typeof res.writeHead
    handle(req, res, record).catch(e => fail(res, 500, String(e)))
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    comments,
    requests,
    commentsOn: (repo, issue) => comments.filter(c => c.repo === repo && c.issue === issue),
    close: () =>
      new Promise<void>(r => {
        server.closeAllConnections()
        server.close(() => r())
      })
  }
}
