/**
 * A terminal's credentials and project, as a person has them: Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, or gcloud's application-default file), else the token file
 * gcloud itself honours (CLOUDSDK_AUTH_ACCESS_TOKEN_FILE), else gcloud's own token. The project
 * falls back to gcloud's configuration. Nothing here prints: the front end says what it found.
 */
import { execFile } from 'node:child_process'
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import type { TokenSource } from '../google/http'

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform']

/** The one command that gives a terminal credentials. */
export const LOGIN = 'gcloud auth application-default login'

/** No credentials that work: one line saying which command to run; exit 2. */
export class CredentialsError extends Error {}

export interface Credentials {
  token: TokenSource
  /** Where the token comes from, for the report's header. */
  describe: string
}

/** Runs a command and returns its stdout; rejects with its stderr's first line. */
export type Exec = (file: string, args: string[], env: NodeJS.ProcessEnv) => Promise<string>

export const exec: Exec = (file, args, env) =>
  new Promise((resolve, reject) =>
    execFile(file, args, { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim().split('\n').pop() || err.message))
      else resolve(String(stdout).trim())
    })
  )

/** gcloud's configuration directory. */
export const gcloudConfigDir = (env: NodeJS.ProcessEnv): string => env.CLOUDSDK_CONFIG || join(env.HOME || homedir(), '.config', 'gcloud')

/** The gcloud executable on PATH, if installed (no subprocess: gcloud takes a second to start). */
export function findGcloud(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, 'gcloud')
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * The ADC file google-auth-library reads: GOOGLE_APPLICATION_CREDENTIALS, else the one
 * `gcloud auth application-default login` writes in gcloud's configuration directory. Only
 * when there is one is the library asked: without, it would probe for a GCE metadata server.
 */
export function adcFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return env.GOOGLE_APPLICATION_CREDENTIALS
  const file = join(gcloudConfigDir(env), 'application_default_credentials.json')
  return existsSync(file) ? file : undefined
}

/**
 * Finds the credentials and gets a first token, so a missing or refused login is a usage error
 * (exit 2, the command to run) before the engine starts; the token is needed first anyway.
 */
export async function findCredentials(env: NodeJS.ProcessEnv, project: string, run: Exec = exec): Promise<Credentials> {
  const creds = pick(env, project, run)
  try {
    await creds.token()
  } catch (e) {
    throw new CredentialsError(`${creds.describe}: no access token (${e instanceof Error ? e.message.split('\n')[0] : String(e)}). Run: ${LOGIN}`)
  }
  return creds
}

function pick(env: NodeJS.ProcessEnv, project: string, run: Exec): Credentials {
  const file = adcFile(env)
  if (file) {
    if (!existsSync(file)) throw new CredentialsError(`GOOGLE_APPLICATION_CREDENTIALS names ${file}, which does not exist. Unset it and run: ${LOGIN}`)
    // Loaded only here: the library is most of the bundle, and other sources skip it. It finds
    // the same file itself (so it treats it as ADC); the project given spares it a lookup.
    const client = import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: SCOPES, projectId: project }).getClient())
    return {
      describe: `application default credentials (${file})`,
      token: async () => {
        const { token } = await (await client).getAccessToken()
        if (!token) throw new Error('the library returned none')
        return token
      }
    }
  }
  const tokenFile = env.CLOUDSDK_AUTH_ACCESS_TOKEN_FILE
  if (tokenFile) {
    return {
      describe: `the access token in CLOUDSDK_AUTH_ACCESS_TOKEN_FILE (${tokenFile})`,
      token: async () => {
        const token = readFileSync(tokenFile, 'utf8').trim()
        if (!token) throw new Error('the file is empty')
        return token
      }
    }
  }
  const gcloud = findGcloud(env)
  if (gcloud) {
    // gcloud's tokens live an hour; take a new one well before that.
    let cached: { token: Promise<string>; at: number } | undefined
    return {
      describe: 'gcloud auth print-access-token',
      token: () => {
        if (!cached || Date.now() - cached.at > 45 * 60_000) cached = { token: run(gcloud, ['auth', 'print-access-token', '--quiet'], env), at: Date.now() }
        const c = cached
        return c.token.catch((e: unknown) => {
          if (cached === c) cached = undefined
          throw e
        })
      }
    }
  }
  throw new CredentialsError(`No Google credentials found. Run: ${LOGIN}`)
}

/**
 * gcloud's project (`gcloud config get-value project`): read from its active configuration's
 * file, as gcloud does, without starting gcloud; gcloud itself only when it has no such file.
 */
export async function gcloudProject(env: NodeJS.ProcessEnv, run: Exec = exec): Promise<string | undefined> {
  const dir = gcloudConfigDir(env)
  let name = env.CLOUDSDK_ACTIVE_CONFIG_NAME?.trim()
  try {
    name ||= readFileSync(join(dir, 'active_config'), 'utf8').trim()
  } catch {
    // gcloud's default
  }
  let text: string | undefined
  try {
    text = readFileSync(join(dir, 'configurations', `config_${name || 'default'}`), 'utf8')
  } catch {
    text = undefined
  }
  if (text !== undefined) return iniValue(text, 'core', 'project')
  const gcloud = findGcloud(env)
  if (!gcloud) return undefined
  const out = await run(gcloud, ['config', 'get-value', 'project', '--quiet'], env).catch(() => '')
  return out.split('\n').pop()?.trim() || undefined
}

/** One value of an INI file (gcloud's configuration format). */
export function iniValue(text: string, section: string, key: string): string | undefined {
  let current = ''
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const s = /^\[(.+)\]$/.exec(line)
    if (s) current = s[1].trim()
    else if (current === section) {
      const m = /^([^=:#;]+?)\s*[=:]\s*(.*)$/.exec(line)
      if (m && m[1] === key) return m[2].trim() || undefined
    }
  }
  return undefined
}
