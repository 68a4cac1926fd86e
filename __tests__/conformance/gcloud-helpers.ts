/* eslint-disable @typescript-eslint/no-explicit-any -- gcloud prints whatever JSON the command returns */
/** Run the real gcloud against the stand-in. Missing gcloud is a failure, never a skip. */
import { execFile, execFileSync } from 'node:child_process'

const GCLOUD = process.env.GCLOUD_BIN ?? 'gcloud'

export function requireGcloud(): void {
  try {
    execFileSync(GCLOUD, ['--version'], { stdio: 'pipe', timeout: 30_000 })
  } catch (e) {
    throw new Error(
      `The conformance tests need the real Google Cloud CLI (gcloud, SDK 528) on PATH, and "${GCLOUD} --version" failed: ${(e as Error).message}. Install it or set GCLOUD_BIN; these tests must not be skipped.`
    )
  }
}

export interface GcloudResult {
  json: any
  stdout: string
  stderr: string
}

/** gcloud ARGS --format=json --quiet; rejects with gcloud's stderr when it exits non-zero. */
export function gcloud(env: Record<string, string>, args: string[], timeoutMs = 60_000): Promise<GcloudResult> {
  return new Promise((resolve, reject) => {
    execFile(
      GCLOUD,
      [...args, '--format=json', '--quiet'],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(`gcloud ${args.join(' ')} failed (${err.code ?? err.signal}): ${stderr}`) as Error & { stderr: string }
          e.stderr = stderr
          reject(e)
          return
        }
        resolve({ json: stdout.trim() ? JSON.parse(stdout) : undefined, stdout, stderr })
      }
    )
  })
}
