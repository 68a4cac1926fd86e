/** Where each Google API lives: gcloud's override variables first, then the universe's host. */

/** Every Google API the action calls, by gcloud's endpoint-override id (`CLOUDSDK_API_ENDPOINT_OVERRIDES_<id>`). */
export const APIS = [
  'CLOUDSCHEDULER',
  'CLOUDFUNCTIONS',
  'RUN',
  'CLOUDRESOURCEMANAGER',
  'IAM',
  'IAMCREDENTIALS',
  'LOGGING',
  'STS',
  'WORKFLOWS',
  'WORKFLOWEXECUTIONS',
  'POLICYTROUBLESHOOTER'
] as const
export type Api = (typeof APIS)[number]

/** The API's root URL (ending in `/`); clients append the version path, as gcloud does. */
export function apiRoot(api: Api, universe: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`]?.trim()
  if (override) return override.endsWith('/') ? override : `${override}/`
  return `https://${api.toLowerCase()}.${universe}/`
}
