import type { Command } from 'commander';
import type { FormReport } from '../etcd/form.js';
import { loadForCommand, loggerFor, type GlobalOptions } from './context.js';

export function registerEtcdCommands(program: Command, globals: () => GlobalOptions): void {
  const etcd = program
    .command('etcd')
    .description('create or safely join the etcd cluster of this node\'s peers, and write the ETCD_* environment')
    .option('--dry-run', 'discover, probe and decide; print the decision and its reasons; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      const logger = loggerFor(globals());
      const { config } = await loadForCommand(globals(), logger);
      if (config.etcd.mode !== 'member') {
        const { configureProxy } = await import('../etcd/proxy.js');
        const proxy = await configureProxy(config, logger, options.dryRun === true);
        process.stdout.write(options.json ? `${JSON.stringify(proxy, null, 2)}\n` : `${options.dryRun ? '[dry run] ' : ''}${proxy.mode}: cluster ${proxy.clusterId} via ${proxy.endpoints.join(', ')}\n  etcd ${proxy.args.join(' ')}\n${proxy.changes.map((change) => `  ${change}\n`).join('') || '  nothing to change\n'}`);
        return;
      }
      const [{ createPlatform }, { formEtcd }] = await Promise.all([import('../platform/registry.js'), import('../etcd/form.js')]);
      const report = await formEtcd({ config, platform: await createPlatform(config.platform), logger, dryRun: options.dryRun === true });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, options.dryRun === true));
    });

  etcd
    .command('promote')
    .description('after etcd has started: wait until this node\'s learner is in sync, then promote it (no-op for a voter)')
    .action(async () => {
      const logger = loggerFor(globals());
      const { config } = await loadForCommand(globals(), logger);
      const [{ createPlatform }, { promoteNode }] = await Promise.all([import('../platform/registry.js'), import('../etcd/promote-node.js')]);
      const { self } = await (await createPlatform(config.platform)).discover();
      const outcome = await promoteNode(config, self, logger);
      process.stdout.write(outcome === 'promoted' ? `promoted ${self.name} to a voting member\n` : `${self.name} is already a voting member\n`);
    });

  etcd
    .command('reconcile')
    .description('on a member: remove a member the platform no longer lists once it has been silent for etcd.stale_after (under the join lock, never below quorum), so a replacement only adds itself')
    .option('--dry-run', 'probe and decide; record nothing, remove nothing')
    .option('--json', 'print the report as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      const logger = loggerFor(globals());
      const { config } = await loadForCommand(globals(), logger);
      const [{ createPlatform }, { reconcileEtcd }] = await Promise.all([import('../platform/registry.js'), import('../etcd/reconcile.js')]);
      const report = await reconcileEtcd({ config, platform: await createPlatform(config.platform), logger, dryRun: options.dryRun === true });
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [`${options.dryRun ? '[dry run] ' : ''}cluster ${report.clusterId}: ${report.removed ? `removed ${report.removed.name || report.removed.id}` : 'no member removed'}`];
        for (const reason of report.reasons) lines.push(`  ${reason}`);
        for (const change of report.changes) lines.push(`  ${change}`);
        if (report.reasons.length === 0) lines.push('  every member is listed by the platform or answers: nothing to do');
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });

  etcd
    .command('exec')
    .description('etcd-bootstrap\'s container wrapper: form, then run etcd with the computed environment and your flags, and promote once in sync')
    .option('--etcd-bin <path>', 'etcd binary', 'etcd')
    .argument('[etcd-flags...]', 'flags passed to etcd as they are (after --)')
    .action(async (flags: string[], options: { etcdBin: string }) => {
      const logger = loggerFor(globals());
      const [{ createPlatform }, { formEtcd }, { runFormedEtcd }] = await Promise.all([
        import('../platform/registry.js'),
        import('../etcd/form.js'),
        import('../etcd/run-formed.js'),
      ]);
      // etcd-bootstrap's containers: the flags come in $ETCD_BOOTSTRAP_FLAGS, and a muster
      // config is not needed (one given with -c or MUSTER_CONFIG wins).
      const bootstrapFlags = process.env['ETCD_BOOTSTRAP_FLAGS'];
      const { config, platform } =
        bootstrapFlags !== undefined && globals().config === undefined && process.env['MUSTER_CONFIG'] === undefined
          ? await (await import('../compat/etcd-bootstrap/exec.js')).execCompatConfig(bootstrapFlags, flags, logger)
          : await loadForCommand(globals(), logger).then(async ({ config }) => ({ config, platform: await createPlatform(config.platform) }));
      const report = await formEtcd({ config, platform, logger, dryRun: false });
      process.exitCode = await runFormedEtcd(report, config, options.etcdBin, flags, logger);
    });
}

export function renderReport(report: FormReport, dryRun: boolean): string {
  const { decision } = report;
  const headline =
    decision.action === 'join'
      ? `join: cluster ${decision.clusterId}`
      : decision.action === 'restart'
        ? `restart: cluster ${decision.clusterId}`
        : decision.action === 'start-bootstrap'
          ? `start: cluster ${decision.clusterId} (${decision.state})`
          : `new: ${report.environment.find(([key]) => key === 'ETCD_INITIAL_CLUSTER')?.[1] ?? ''}`;
  const lines = [`${dryRun ? '[dry run] ' : ''}${headline}`, ...decision.reasons.map((reason) => `  because ${reason}`)];
  for (const step of report.membership) lines.push(`  membership: ${step}`);
  for (const change of report.changes) lines.push(`  ${change}`);
  if (report.changes.length === 0) lines.push('  nothing to change');
  if (report.needsPromotion) {
    const unknown = decision.action === 'restart' && decision.members.length === 0;
    lines.push(`  after etcd starts: muster etcd promote (${unknown ? `no peer answered, so whether ${report.self.name} is still a learner shows once they are back; a no-op on a voter` : `${report.self.name} is a learner`})`);
  }
  return `${lines.join('\n')}\n`;
}
