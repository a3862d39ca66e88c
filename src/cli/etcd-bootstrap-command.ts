import type { Command } from 'commander';
import { underRoot } from '../core/root-path.js';
import type { GlobalOptions } from './context.js';
import { loggerFor } from './context.js';
import { renderReport } from './etcd-command.js';

export const ETCD_BOOTSTRAP_HELP = `Usage: muster etcd-bootstrap [v1 flags] | aws|vmware [v2 flags]

etcd-bootstrap's command line, accepted as it was: form (create or safely join) the etcd cluster
of this node's peers and write etcd-bootstrap's output file (unquoted KEY=VALUE lines for
\`set -a; . FILE; exec etcd\`). Where muster behaves differently it says so on stderr.

v1:  -cloud aws|vmware  -o FILE (default /var/run/etcd-bootstrap.conf)
     -route53-zone-id ID -domain-name NAME
     -vmware-host H -vmware-port 443 -vmware-username U -vmware-password P
     -vmware-insecure[=true] -vmware-attempts 3 -vmware-vm-name N
     -vmware-environment E -vmware-role R
v2:  aws    [-o FILE] [-X] [-r noop|route53] [--r53-zone-id ID --dns-hostname NAME]
            [--instance-lookup-method asg|srv --srv-domain-name D --srv-service S]
            [--enable-tls --tls-ca F --tls-cert F --tls-key F --tls-peer-ca F --tls-peer-cert F --tls-peer-key F]
     vmware [-o FILE] [-X] --vsphere-host H [--vsphere-port 443] --vsphere-username U
            [--insecure-skip-verify] [--max-api-attempts 3] --vm-name N --environment E --role R
            (password from $VSPHERE_PASSWORD)
muster's additions (both forms): --expected-peers N (vmware and srv: the group's size, needed
to create a cluster), -vmware-ca-file / --vsphere-ca-file F, --dry-run, --json,
--log-level L. No -c/--config: the flags are the config (MUSTER_* variables override any key).
`;

/**
 * `muster etcd-bootstrap`: registered after the global options are spread over the commands, so
 * that commander leaves every token to etcd-bootstrap's own parser (`-cloud` would otherwise be
 * read as muster's `-c loud`).
 */
export function registerEtcdBootstrapCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('etcd-bootstrap')
    .description('etcd-bootstrap\'s v1 and v2 command lines, unchanged: form etcd and write its output file (see `muster etcd-bootstrap --help`)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]', 'etcd-bootstrap flags')
    .action(async (args: string[]) => {
      const { configGiven, parseEtcdBootstrapArgs } = await import('../compat/etcd-bootstrap/flags.js');
      if (globals().config !== undefined) throw configGiven();
      const invocation = parseEtcdBootstrapArgs(args);
      if (invocation.help) {
        process.stdout.write(ETCD_BOOTSTRAP_HELP);
        return;
      }
      const outer = globals();
      const logger = loggerFor({
        ...outer,
        ...(invocation.muster.logLevel !== undefined ? { logLevel: invocation.muster.logLevel } : {}),
        ...(invocation.debug ? { debug: true } : {}),
      });
      const { compatConfig, promoteAfterStart, promoteInBackground, registerMembers } = await import('../compat/etcd-bootstrap/run.js');
      const run = await compatConfig(invocation, logger);
      if (invocation.muster.promoteLearner === true) {
        await promoteAfterStart(run, logger);
        return;
      }
      const { formEtcd } = await import('../etcd/form.js');
      const dryRun = invocation.muster.dryRun === true;
      const report = await formEtcd({ config: run.config, platform: run.platform, logger, dryRun });
      const registered = await registerMembers(run, dryRun, logger);
      if (report.needsPromotion && !dryRun) promoteInBackground(args, underRoot(run.config.root, run.config.etcd.env_file ?? invocation.output), logger);
      if (invocation.muster.json === true) {
        process.stdout.write(`${JSON.stringify({ ...report, dns: registered }, null, 2)}\n`);
      } else {
        process.stdout.write(renderReport(report, dryRun).replace(/\n {2}after etcd starts: muster etcd promote \(([^)]*)\)/, '\n  after etcd starts: promoted in the background ($1)'));
        for (const line of registered) process.stdout.write(`  dns: ${line}\n`);
      }
    });
}
