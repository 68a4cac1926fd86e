/** Named scenarios for the CLI, the demo and the benchmark. */
import type { Scenario } from '../scenario'
import { demo, demoRunJob } from './demo'

export const SCENARIOS: Record<string, () => Scenario> = { demo, 'demo-run-job': demoRunJob }
