/**
 * The GitHub front end: inputs → engine → outputs, summary, annotations and PR comment. Every
 * step of the work itself is the engine's.
 */
import * as core from '@actions/core'
import { readActionSettings, type ActionSettings } from './action/inputs'
import { actionLogger } from './action/logger'
import { publish } from './action/publish'
import { createTokenSource } from './auth'
import { failureLine, runEngine } from './engine'
import { createClients } from './google/clients'

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export async function run(): Promise<void> {
  let s: ActionSettings
  try {
    s = readActionSettings(n => core.getInput(n))
  } catch (e) {
    // Bad input fails before any network call.
    core.setOutput('result', 'failed')
    core.setFailed(message(e))
    return
  }
  try {
    const { token, describe } = createTokenSource({
      universe: s.universe,
      workloadIdentityProvider: s.workloadIdentityProvider,
      serviceAccount: s.serviceAccount,
      getIdToken: aud => core.getIDToken(aud),
      mask: secret => core.setSecret(secret)
    })
    core.info(`Authenticating with ${describe}; mode ${s.mode}`)
    const log = actionLogger()
    const outcome = await runEngine(s, createClients(token, s.universe, log.debug), log)
    await publish(outcome, s)
    if (outcome.result === 'drift') core.setFailed('Drift found: run with mode: fix to repair it (see the job summary).')
    else if (outcome.result === 'failed') core.setFailed(failureLine(outcome))
  } catch (e) {
    core.setOutput('result', 'failed')
    core.setFailed(message(e))
  }
}
