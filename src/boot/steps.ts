import type { Config } from '../config/schema.js';
import { BOOT_STEPS, type BootStep } from './config-schema.js';
import { STEP_MODULES } from './step-registry.js';

/** The steps to run: the configured list in pipeline order, or every step whose section is configured. */
export function bootSteps(config: Config): BootStep[] {
  const wanted = config.boot.steps ?? STEP_MODULES.filter((step) => step.configured(config)).map((step) => step.name);
  return BOOT_STEPS.filter((step) => wanted.includes(step));
}
