#!/usr/bin/env node
// scheduler-oidc-doctor's command line: the bundle is dist/cli/index.js (npm run build).
require('./cli/index.js')
