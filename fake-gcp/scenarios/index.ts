/** Named scenarios for the CLI, the demo and the benchmark. */
import type { Scenario } from '../scenario'
import { demo } from './demo'

export const SCENARIOS: Record<string, () => Scenario> = { demo }
