/** The engine's logger on a runner: phases fold into log groups, debug text shows with step debugging on. */
import * as core from '@actions/core'
import type { Logger } from '../engine'
import { logLine } from '../render/escape'

export function actionLogger(): Logger {
  return {
    // Folded to one line: text from Google inside a message cannot start a workflow command.
    info: m => core.info(logLine(m)),
    debug: m => {
      if (core.isDebug()) core.debug(logLine(m()))
    },
    async group(name, fn) {
      core.startGroup(name)
      try {
        return await fn()
      } finally {
        core.endGroup()
      }
    }
  }
}
