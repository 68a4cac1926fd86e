/** The action's inputs: the run's settings, plus what only the GitHub front end uses. */
import { parseBoolean, readSettings, type GetInput, type Settings } from '../settings'

export interface ActionSettings extends Settings {
  githubToken?: string
  /** Keep a sticky PR comment on `pull_request` events. */
  comment: boolean
}

export function readActionSettings(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): ActionSettings {
  return {
    ...readSettings(getInput, env),
    githubToken: getInput('github_token').trim() || undefined,
    comment: parseBoolean('comment', getInput('comment'), true)
  }
}
