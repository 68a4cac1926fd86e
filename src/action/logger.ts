/** The engine's logger on a runner: phases fold into log groups, debug text shows with step debugging on. */
import * as core from '@actions/core'
import type { Logger } from '../engine'

export function actionLogger(): Logger {
  return {
    info: m => core.info(m),
    debug: m => {
      if (core.isDebug()) core.debug(m())
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
