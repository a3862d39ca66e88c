import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import type { FormReport } from '../etcd/form.js';
import type { Discovery, Platform } from '../platform/types.js';
import type { BootStep } from './config-schema.js';
import { STEP_MODULES } from './step-registry.js';
import { bootSteps } from './steps.js';

export interface StepReport {
  step: BootStep;
  lines: string[];
}

export interface BootReport {
  steps: StepReport[];
  /** Set when the guard found an image-building instance: nothing after it ran. */
  imageBuild?: { block: boolean; reason: string };
  etcd?: FormReport;
}

export interface BootOptions {
  config: Config;
  platform: Platform;
  logger: Logger;
  dryRun: boolean;
  /** Run only these steps (`muster swarm`), instead of the config's. */
  steps?: readonly BootStep[];
}

/**
 * `muster boot`: the configured steps (guard → hostname → dns → pki → etcd → units → swarm, one module
 * each in src/boot/steps/), in order. One discovery serves the steps that need it.
 */
export async function runBoot(options: BootOptions): Promise<BootReport> {
  const { config, logger, dryRun } = options;
  const wanted = new Set(options.steps ?? bootSteps(config));
  const report: BootReport = { steps: [] };
  let discovery: Discovery | undefined;
  const discover = async (): Promise<Discovery> =>
    (discovery ??= await retry(() => options.platform.discover(), {
      timeoutMs: config.etcd.timeout,
      what: `discover this node and its peers through the ${options.platform.type} platform`,
      onRetry: (error, attempt) => logger.warn({ attempt, error: String(error) }, 'discovery failed, retrying'),
    }));

  for (const step of STEP_MODULES.filter((candidate) => wanted.has(candidate.name))) {
    const outcome = await step.run({ config, platform: options.platform, logger, dryRun, discover });
    report.steps.push({ step: step.name, lines: outcome.lines });
    if (outcome.etcd) report.etcd = outcome.etcd;
    if (outcome.imageBuild) {
      report.imageBuild = outcome.imageBuild;
      return report;
    }
  }
  return report;
}
