// Writes dist/cli.js, the package's `bin`: the command line's bundle lives in dist/cli/ (ncc's
// index.js and the chunks it loads lazily by their file names next to it), so the entry only
// loads it. Run by `npm run build` after ncc; ncc's build of the action deletes every .js in dist/.
import { chmodSync, writeFileSync } from 'node:fs'

const file = new URL('../dist/cli.js', import.meta.url)
writeFileSync(
  file,
  "#!/usr/bin/env node\n// scheduler-oidc-doctor's command line: the bundle is dist/cli/index.js (npm run build).\nrequire('./cli/index.js')\n"
)
chmodSync(file, 0o755)
