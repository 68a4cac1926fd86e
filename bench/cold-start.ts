/**
 * Cold start: how long Node takes to load and evaluate a bundle, next to `node -e 0`.
 *
 * Method: spawn `node <bundle>` with an empty environment (PATH only) and time spawn → exit.
 * With no INPUT_* variables the action rejects its input right after loading ("nothing to act
 * on") and exits without a network call, so the time is Node's start + loading the bundle + one
 * failed input check, the same for both bundles. The alternative is the same action plus
 * `@google-cloud/scheduler` (bench/cold-start-alt.ts), bundled by ncc into a temp dir at bench
 * time and never committed. Spawns alternate between the three commands so machine noise
 * spreads evenly; each figure is the median of `reps` spawns.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { median } from './stats'

export interface ColdStart {
  reps: number
  node: string
  floorMs: number
  distMs: number
  altMs: number
  distBytes: number
  altBytes: number
  /** ms spent bundling the alternative (not part of any figure) */
  buildMs: number
}

/** Sum of every file under dir. */
export function dirBytes(dir: string): number {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size
  }
  return total
}

function timeSpawn(args: string[]): Promise<number> {
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' })
  return new Promise((res, rej) => {
    child.on('error', rej)
    child.on('exit', () => res(Number(process.hrtime.bigint() - started) / 1e6))
  })
}

export async function coldStart(reps: number): Promise<ColdStart> {
  const out = mkdtempSync(join(tmpdir(), 'bench-alt-bundle-'))
  const t = Date.now()
  await promisify(execFile)(
    process.execPath,
    [resolve('node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', resolve('bench/cold-start-alt.ts'), '-o', out, '--transpile-only', '--quiet'],
    {
      maxBuffer: 64 * 1024 * 1024
    }
  )
  const buildMs = Date.now() - t
  const dist = resolve('dist/index.js')
  const alt = join(out, 'index.js')
  const floor: number[] = []
  const a: number[] = []
  const b: number[] = []
  // one warm-up of each, so the first measured spawn does not pay for the page cache
  for (const args of [['-e', '0'], [dist], [alt]]) await timeSpawn(args)
  for (let i = 0; i < reps; i++) {
    floor.push(await timeSpawn(['-e', '0']))
    a.push(await timeSpawn([dist]))
    b.push(await timeSpawn([alt]))
  }
  return {
    reps,
    node: process.version,
    floorMs: median(floor),
    distMs: median(a),
    altMs: median(b),
    distBytes: dirBytes(resolve('dist')),
    altBytes: dirBytes(out),
    buildMs
  }
}
