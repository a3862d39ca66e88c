import type { Config } from '../config/schema.js';
import { BOOT_STEPS, type BootStep } from './config-schema.js';

/** The steps to run: the configured list in pipeline order, or every configured step. */
export function bootSteps(config: Config): BootStep[] {
  const wanted = config.boot.steps ?? BOOT_STEPS.filter((step) => step === 'guard' || step === 'etcd' || config[step] !== undefined);
  return BOOT_STEPS.filter((step) => wanted.includes(step));
}
