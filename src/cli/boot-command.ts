import type { Command } from 'commander';
import type { BootStep } from '../boot/config-schema.js';
import type { BootReport } from '../boot/pipeline.js';
import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { loadForCommand, loggerFor, type GlobalOptions } from './context.js';

export function registerBootCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('boot')
    .description('boot this node: guard → hostname → dns → pki → etcd → units → swarm (the steps in boot.steps)')
    .option('--dry-run', 'discover and plan every step; print the plan; change nothing')
    .option('--json', 'print the report as JSON')
    .option('--exec-etcd', 'then run etcd in the foreground with the computed environment (a container entrypoint; the sandbox uses it)')
    .option('--etcd-bin <path>', 'etcd binary for --exec-etcd', 'etcd')
    .action(async (options: { dryRun?: boolean; json?: boolean; execEtcd?: boolean; etcdBin: string }) => {
      const dryRun = options.dryRun === true;
      const { config, logger, report } = await bootAndReport(globals(), { dryRun, json: options.json === true });
      if (report.imageBuild) {
        if (report.imageBuild.block && !dryRun) await blockForever(logger);
        return;
      }
      if (options.execEtcd && report.etcd && !dryRun) {
        const { runFormedEtcd } = await import('../etcd/run-formed.js');
        process.exitCode = await runFormedEtcd(report.etcd, config, options.etcdBin, [], logger);
      }
    });
}

/** `muster swarm`: the swarm step alone, once etcd and the engine run (contrib/systemd/muster-swarm.service). */
export function registerSwarmCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('swarm')
    .description('form or join the Docker Swarm (the swarm step, after etcd and docker are up): one swarm init per cluster, under an etcd lock')
    .option('--dry-run', 'say what it would do; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      await bootAndReport(globals(), { dryRun: options.dryRun === true, json: options.json === true, steps: ['swarm'] });
    });
}

/** Loads the config, runs the boot steps (the config's, or `steps`) and prints the report. */
async function bootAndReport(options: GlobalOptions, run: { dryRun: boolean; json: boolean; steps?: readonly BootStep[] }): Promise<{ config: Config; logger: Logger; report: BootReport }> {
  const logger = loggerFor(options);
  const { config } = await loadForCommand(options, logger);
  if (run.steps?.includes('swarm') && config.swarm === undefined) throw new MusterError('the config has no swarm section', { code: 'SWARM_UNCONFIGURED', kind: 'config', hint: 'add swarm: { role: manager } (or worker)' });
  const [{ createPlatform }, { runBoot }] = await Promise.all([import('../platform/registry.js'), import('../boot/pipeline.js')]);
  const report = await runBoot({ config, platform: await createPlatform(config.platform), logger, dryRun: run.dryRun, ...(run.steps !== undefined ? { steps: run.steps } : {}) });
  process.stdout.write(run.json ? `${JSON.stringify(report, null, 2)}\n` : renderBootReport(report, run.dryRun));
  return { config, logger, report };
}

export function renderBootReport(report: BootReport, dryRun: boolean): string {
  const lines: string[] = [];
  for (const { step, lines: stepLines } of report.steps) {
    lines.push(`${dryRun ? '[dry run] ' : ''}${step}:`);
    for (const line of stepLines) lines.push(`  ${line}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * NodeReg's behaviour on an image-building instance: never finish, so that units ordered after
 * muster-boot.service never start. SIGTERM (the image build shutting the instance down) ends it.
 */
function blockForever(logger: Logger): Promise<void> {
  logger.warn('image-building instance: muster blocks here on purpose (base.on_build: block)');
  return new Promise((resolve) => {
    const timer = setInterval(() => undefined, 1 << 30);
    const stop = (): void => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
