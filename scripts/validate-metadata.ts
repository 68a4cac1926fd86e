/**
 * `npm run validate`: the action's metadata and workflows through a real validator
 * (@action-validator/cli), what the Marketplace accepts (scripts/lib/marketplace.ts: description
 * under 125 characters, name, branding icon and colour from GitHub's lists, a real author), the
 * README's inputs/outputs tables checked against action.yml so the two cannot drift, and the
 * repository name every `uses:` and link in the docs and examples names (package.json's
 * `repository`, defined there once).
 *
 * action-validator 0.6.0's schema predates `runs.using: node24` (it knows node12/16/20), so
 * action.yml is validated as a copy with `using: node20`, and node24 is asserted here.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { marketplaceProblems, type ActionMetadata } from './lib/marketplace.js'

interface ActionYml extends ActionMetadata {
  inputs: Record<string, { default?: string }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string }
}

const problems: string[] = []
const validator = join('node_modules', '.bin', 'action-validator')
const validate = (file: string, label = file): void => {
  try {
    execFileSync(validator, [file], { stdio: 'pipe' })
    console.log(`valid: ${label}`)
  } catch (e) {
    problems.push(`${label}: ${(e as { stdout?: Buffer }).stdout?.toString() ?? String(e)}`)
  }
}

const text = readFileSync('action.yml', 'utf8')
const action = parse(text) as ActionYml
if (action.runs.using !== 'node24') problems.push(`action.yml: runs.using is ${action.runs.using}, expected node24`)
if (action.runs.main !== 'dist/index.js') problems.push(`action.yml: runs.main is ${action.runs.main}, expected dist/index.js`)
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; author?: unknown; repository?: { url?: string } | string }
problems.push(...marketplaceProblems(action, pkg))
const copy = join(mkdtempSync(join(tmpdir(), 'validate-')), 'action.yml')
writeFileSync(copy, text.replace(/using: node24/, 'using: node20'))
validate(copy, 'action.yml (schema; using checked above)')

for (const dir of ['.github/workflows', 'examples/workflows']) {
  let files: string[] = []
  try {
    files = readdirSync(dir).filter(f => /\.ya?ml$/.test(f))
  } catch {
    continue
  }
  for (const f of files) validate(join(dir, f))
}

/** Rows of the markdown table that follows `## heading`: first cell (backticks stripped) → second cell. */
function table(markdown: string, heading: string): Map<string, string> {
  const section = markdown.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? ''
  const rows = new Map<string, string>()
  for (const line of section.split('\n')) {
    const cells = line.split('|').map(c => c.trim())
    if (cells.length < 4 || /^-+$/.test(cells[1]) || cells[1] === 'input' || cells[1] === 'output') continue
    rows.set(cells[1].replace(/`/g, ''), cells[2].replace(/`/g, ''))
  }
  return rows
}

const readme = readFileSync('README.md', 'utf8')
const inputs = table(readme, 'Inputs')
const outputs = table(readme, 'Outputs')
const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])
if (!same([...inputs.keys()], Object.keys(action.inputs)))
  problems.push(`README inputs [${[...inputs.keys()]}] differ from action.yml [${Object.keys(action.inputs)}]`)
if (!same([...outputs.keys()], Object.keys(action.outputs)))
  problems.push(`README outputs [${[...outputs.keys()]}] differ from action.yml [${Object.keys(action.outputs)}]`)
for (const [name, spec] of Object.entries(action.inputs)) {
  const documented = inputs.get(name)
  if (spec.default !== undefined && documented !== undefined && documented !== spec.default) {
    problems.push(`README says input ${name} defaults to "${documented}", action.yml says "${spec.default}"`)
  }
}

// The repository the action is published as: package.json's `repository`, and nothing else.
const repoUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url
const published = /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(repoUrl ?? '')?.[1]
if (!published) problems.push(`package.json: \`repository\` must name the GitHub repository the action is published as (got ${JSON.stringify(repoUrl)})`)
else {
  const docs = ['README.md', 'SECURITY.md', 'CHANGELOG.md', ...readdirSync('examples/workflows').map(f => join('examples/workflows', f))]
  const self = new RegExp(`(?:uses:\\s*|github\\.com/|github:)([\\w.-]+/${pkg.name})(?=[@/#)\\s>]|$)`, 'gm')
  for (const file of docs) {
    let body = ''
    try {
      body = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const m of body.matchAll(self))
      if (m[1] !== published) problems.push(`${file}: names ${m[1]}; the action is published as ${published} (package.json "repository")`)
  }
}

if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`Marketplace metadata valid; README tables match action.yml (${inputs.size} inputs, ${outputs.size} outputs); docs name ${published}`)
