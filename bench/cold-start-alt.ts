/**
 * The cold-start alternative (never shipped): the same action, plus the official
 * @google-cloud/scheduler client (google-gax's transport stack) loaded as an action using it
 * would load it. bench/cold-start.ts bundles this with ncc into a temp dir at bench time.
 */
import { CloudSchedulerClient } from '@google-cloud/scheduler'
import '../src/index'

// Referenced, so the bundler keeps the client and Node evaluates it at load.
export const client: unknown = CloudSchedulerClient
