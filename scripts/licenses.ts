/**
 * dist/licenses.txt: every third-party package the bundles hold, with its version, licence and
 * licence text. Run by `npm run build` after ncc; `--check` is run by CI after the build.
 *
 * Why not ncc's `--license`: ncc hands it to license-webpack-plugin with `perChunkOutput` on,
 * so each chunk writes its own list to the same file name and the last chunk written wins. The
 * file ended up listing the packages of the lazily loaded chunks (node-fetch, https-proxy-agent
 * and their dependencies) and none of the entry chunk's (undici, google-auth-library, gaxios,
 * @actions/*, @octokit/*…).
 *
 * What a bundle holds comes from webpack's own module list: each ncc build writes it with
 * `--stats-out` into STATS_DIR (the build script empties that directory first), and every
 * module resolved from a node_modules directory names its package. `--check` proves the file
 * complete from the bundles themselves: each module id in dist/**.js must be one the stats
 * know (so a bundle built without `--stats-out` fails), each package of the stats and each
 * package path ncc left in dist/ comments must have an entry with licence text, and no entry
 * may be stale.
 *
 * Deterministic: entries sorted by name and version, texts as the packages ship them (line
 * endings and trailing spaces normalised), no dates, no absolute paths.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

export const STATS_DIR = join('node_modules', '.cache', 'bundle-stats')
const OUT = join('dist', 'licenses.txt')
const RULE = '='.repeat(80)

interface StatsModule {
  id?: string | number | null
  nameForCondition?: string
  chunks?: unknown[]
  modules?: StatsModule[]
}
interface Stats {
  modules?: StatsModule[]
}

interface Package {
  name: string
  version: string
  license: string
  source?: string
  texts: { file: string; text: string }[]
}

/** The package directory (…/node_modules/name or …/node_modules/@scope/name) a file belongs to. */
export function packageDir(file: string): string | undefined {
  const posix = file.split(sep).join('/')
  const at = posix.lastIndexOf('/node_modules/')
  if (at < 0) return undefined
  const rest = posix.slice(at + '/node_modules/'.length).split('/')
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  return posix.slice(0, at + '/node_modules/'.length) + name
}

function statsFiles(): string[] {
  if (!existsSync(STATS_DIR)) return []
  return readdirSync(STATS_DIR)
    .filter(f => f.endsWith('.json'))
    .sort()
    .map(f => join(STATS_DIR, f))
}

/** Package directories and module ids of every module in the bundles' chunks (concatenated ones included). */
function bundled(files: string[]): { dirs: Set<string>; ids: Set<string> } {
  const dirs = new Set<string>()
  const ids = new Set<string>()
  for (const file of files) {
    const stats = JSON.parse(readFileSync(file, 'utf8')) as Stats
    for (const m of stats.modules ?? []) {
      if (m.id !== undefined && m.id !== null) ids.add(String(m.id))
      if (!m.chunks?.length) continue // concatenated into another module: reached through that one's `modules`
      for (const inner of [m, ...(m.modules ?? [])]) {
        const dir = inner.nameForCondition && packageDir(inner.nameForCondition)
        if (dir) dirs.add(dir)
      }
    }
  }
  return { dirs, ids }
}

const normalise = (text: string): string =>
  text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(l => l.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '')

/** The "License" section of a README, for packages that ship no licence file. */
export function readmeLicense(readme: string): string | undefined {
  const lines = readme.replace(/\r\n?/g, '\n').split('\n')
  const heading = (i: number): boolean => /^#{1,6}\s/.test(lines[i]) || (i + 1 < lines.length && lines[i].trim() !== '' && /^(=+|-+)\s*$/.test(lines[i + 1]))
  for (let i = 0; i < lines.length; i++) {
    if (!/^(#{1,6}\s*)?licen[cs]e\s*:?\s*#*\s*$/i.test(lines[i].trim()) || !heading(i)) continue
    let j = /^#/.test(lines[i]) ? i + 1 : i + 2
    const body: string[] = []
    for (; j < lines.length && !heading(j); j++) body.push(lines[j])
    const text = normalise(
      body
        .filter(l => !/^\s*\[[^\]]+\]:\s*\S+/.test(l)) // link reference definitions
        .join('\n')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
    )
    if (text.length > 40) return text
  }
  return undefined
}

function repositoryUrl(repo: unknown, homepage: unknown): string | undefined {
  let url = typeof repo === 'string' ? repo : (repo as { url?: string } | undefined)?.url
  if (!url) return typeof homepage === 'string' ? homepage : undefined
  url = url.replace(/^git\+/, '').replace(/\.git$/, '')
  if (/^git:\/\//.test(url)) url = url.replace(/^git:/, 'https:')
  if (/^git@github\.com:/.test(url)) url = url.replace(/^git@github\.com:/, 'https://github.com/')
  if (/^github:/.test(url)) url = url.replace(/^github:/, 'https://github.com/')
  if (/^[\w.-]+\/[\w.-]+$/.test(url)) url = `https://github.com/${url}`
  const directory = typeof repo === 'object' && repo && (repo as { directory?: string }).directory
  return directory && /github\.com/.test(url) ? `${url}/tree/HEAD/${directory}` : url
}

function describe(dir: string): Package {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string
    version: string
    license?: string | { type?: string }
    licenses?: { type?: string }[]
    repository?: unknown
    homepage?: unknown
  }
  const license =
    (typeof pkg.license === 'string' ? pkg.license : pkg.license?.type) ??
    pkg.licenses
      ?.map(l => l.type)
      .filter(Boolean)
      .join(' OR ') ??
    'UNKNOWN'
  const names = readdirSync(dir).sort()
  const texts = names
    .filter(f => /^(licen[cs]e|copying|notice)([-._].*)?$/i.test(f))
    .map(f => ({ file: f, text: normalise(readFileSync(join(dir, f), 'utf8')) }))
    .filter(t => t.text)
  if (!texts.some(t => !/^notice/i.test(t.file))) {
    const readme = names.find(f => /^readme(\.(md|markdown|txt))?$/i.test(f))
    const text = readme && readmeLicense(readFileSync(join(dir, readme), 'utf8'))
    if (text) texts.unshift({ file: `${readme} ("License" section; the package ships no licence file)`, text })
  }
  return { name: pkg.name, version: pkg.version, license, source: repositoryUrl(pkg.repository, pkg.homepage), texts }
}

export function render(packages: Package[]): string {
  const out = [
    'Third-party software bundled in dist/',
    '',
    `${packages.length} packages, each with its version, its licence as its package.json declares it, and the`,
    'licence text it ships. Generated by scripts/licenses.ts from the build; do not edit.',
    ''
  ]
  for (const p of packages) {
    out.push(RULE, `${p.name}@${p.version}`, `License: ${p.license}`)
    if (p.source) out.push(`Source: ${p.source}`)
    for (const t of p.texts) out.push('', `--- ${t.file} ---`, '', t.text)
    out.push('')
  }
  return out.join('\n')
}

/** `name@version` of each entry in a licenses.txt, with whether it carries a licence text. */
export function entries(file: string): Map<string, boolean> {
  const found = new Map<string, boolean>()
  const blocks = file.split(`\n${RULE}\n`).slice(1)
  for (const block of blocks) {
    const [id] = block.split('\n')
    const sections = [...block.matchAll(/\n--- (.+) ---\n\n[^\n]*\S/g)].map(m => m[1])
    found.set(
      id,
      sections.some(f => !/^NOTICE/i.test(f))
    )
  }
  return found
}

function collect(dirs: Set<string>): Package[] {
  const byId = new Map<string, Package>()
  for (const dir of dirs) {
    const p = describe(dir)
    byId.set(`${p.name}@${p.version}`, p)
  }
  return [...byId.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1))
}

function fail(problems: string[]): never {
  console.error(problems.map(p => `licenses: ${p}`).join('\n'))
  process.exit(1)
}

function main(): void {
  const check = process.argv.includes('--check')
  const files = statsFiles()
  if (!files.length) fail([`no webpack stats in ${STATS_DIR}: run \`npm run build\` (ncc ... --stats-out ${STATS_DIR}/<bundle>.json)`])
  const { dirs, ids } = bundled(files)
  const packages = collect(dirs)

  const problems: string[] = []
  for (const p of packages) {
    if (!p.texts.some(t => !/^NOTICE/i.test(t.file)))
      problems.push(`${p.name}@${p.version} (${p.license}) ships no licence text and its README has no License section: add it here by hand`)
    if (p.license === 'UNKNOWN') problems.push(`${p.name}@${p.version}: package.json declares no licence`)
  }

  if (!check) {
    if (problems.length) fail(problems)
    writeFileSync(OUT, render(packages))
    console.log(`${OUT}: ${packages.length} packages from ${files.map(f => relative('.', f)).join(', ')}`)
    return
  }

  // --check: the file must list exactly the packages the bundles hold, each with its text.
  if (!existsSync(OUT)) fail([`${OUT} is missing: run npm run build`])
  const listed = entries(readFileSync(OUT, 'utf8'))
  const expected = new Set(packages.map(p => `${p.name}@${p.version}`))
  for (const id of expected) {
    if (!listed.has(id)) problems.push(`${id} is in the bundle but not in ${OUT}`)
    else if (!listed.get(id)) problems.push(`${id} has no licence text in ${OUT}`)
  }
  for (const id of listed.keys()) if (!expected.has(id)) problems.push(`${id} is in ${OUT} but no bundle holds it`)

  // Every .js under dist/ must be made of modules the stats know: a bundle built without --stats-out shows here.
  const names = new Set([...listed.keys()].map(id => id.slice(0, id.lastIndexOf('@'))))
  const js = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? js(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []))
  for (const file of js('dist')) {
    const code = readFileSync(file, 'utf8')
    const unknown = [...code.matchAll(/^\/\*\*\*\/ (\d+):/gm)].map(m => m[1]).filter(id => !ids.has(id))
    if (unknown.length)
      problems.push(
        `${file}: ${unknown.length} modules (ids ${unknown.slice(0, 3).join(', ')}…) not in any stats file in ${STATS_DIR}: build it with --stats-out`
      )
    // The package paths ncc leaves in its comments (concatenated and external modules): a second, independent witness.
    for (const m of code.matchAll(/(?:CONCATENATED|EXTERNAL) MODULE: [^\n]*node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g))
      if (!names.has(m[1])) problems.push(`${file}: holds ${m[1]}, which ${OUT} does not list`)
  }
  if (problems.length) fail([...new Set(problems)])
  console.log(`${OUT}: complete (${packages.length} packages, every module of the ${js('dist').length} .js files in dist/ accounted for)`)
}

if (process.argv[1] && /licenses\.ts$/.test(process.argv[1])) main()
