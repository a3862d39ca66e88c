import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { FormReport } from '../etcd/form.js';
import type { Discovery, Platform } from '../platform/types.js';
import type { BootStep } from './config-schema.js';

/** What every step gets: the config, the platform, and one discovery shared by the steps that need it. */
export interface StepContext {
  config: Config;
  platform: Platform;
  logger: Logger;
  dryRun: boolean;
  /** The node and its peers, discovered once (with retries) on first use. */
  discover: () => Promise<Discovery>;
}

export interface StepOutcome {
  /** What the step decided and did (or, with --dry-run, would do), for the report. */
  lines: string[];
  /** The guard found an image-building instance: no later step runs. */
  imageBuild?: { block: boolean; reason: string };
  etcd?: FormReport;
}

/**
 * One step of `muster boot`: a module of its own (src/boot/steps/), which decides first (a pure
 * function) and then applies unless it is a dry run. A new step is a new file and a line in
 * src/boot/step-registry.ts.
 */
export interface BootStepModule {
  readonly name: BootStep;
  /** Whether the config asks for this step (its section is present): the default step list. */
  configured(config: Config): boolean;
  run(context: StepContext): Promise<StepOutcome>;
}
