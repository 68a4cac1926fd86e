#!/usr/bin/env node
/** The command line's entry (bundled to dist/cli/index.js, run through dist/cli.js): cli() and nothing else. */
import { cli } from './cli/main'

void cli({ argv: process.argv.slice(2), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  // Exit once stdout has drained: an idle keep-alive socket or stdin must not hold the process.
  code => process.stdout.write('', () => process.exit(code)),
  (e: unknown) => {
    process.stderr.write(`scheduler-oidc-doctor: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(1)
  }
)
