import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import type { SandboxView } from '../local/sandbox.js';
import { MusterError } from '../core/errors.js';
import type { GlobalOptions } from './context.js';

interface LocalFlags {
  dir: string;
  etcdBin?: string;
  json?: boolean;
}

const DEFAULT_DIR = '.muster/local';

export function registerLocalCommands(program: Command, _globals: () => GlobalOptions): void {
  const local = program.command('local').description('the built-in sandbox: a real etcd cluster of simulated nodes on this machine');
  const common = (command: Command): Command =>
    command
      .option('--dir <dir>', 'sandbox directory', DEFAULT_DIR)
      .option('--etcd-bin <path>', 'etcd binary (default: etcd on PATH)')
      .option('--json', 'print JSON');

  common(local.command('up'))
    .description('boot N simulated nodes; each runs muster\'s own formation and etcd')
    .option('--nodes <n>', 'how many nodes', '3')
    .option('--ip-prefix <a.b.c>', 'first three octets of the nodes\' loopback addresses (node-N gets a.b.c.N)', '127.0.1')
    .option('--no-tls', 'plain http instead of etcd over TLS with a sandbox CA and client-certificate auth')
    .action(async (flags: LocalFlags & { nodes: string; ipPrefix: string; tls: boolean }) => {
      if (!/^127\.\d{1,3}\.\d{1,3}$/.test(flags.ipPrefix) || flags.ipPrefix.split('.').some((octet) => Number(octet) > 255)) {
        throw new MusterError(`--ip-prefix ${flags.ipPrefix}: give the first three octets of a loopback address, such as 127.0.1`, { code: 'USAGE', kind: 'usage' });
      }
      const { sandboxUp } = await import('../local/sandbox.js');
      const view = await sandboxUp({ dir: flags.dir, nodes: Number(flags.nodes), ipPrefix: flags.ipPrefix, tls: flags.tls, ...etcdBin(flags) });
      print(view, flags, 'sandbox is up');
    });

  common(local.command('status'))
    .description('show each simulated node and its etcd state')
    .action(async (flags: LocalFlags) => {
      const { sandboxStatus } = await import('../local/sandbox.js');
      print(await sandboxStatus({ dir: flags.dir }), flags, undefined);
    });

  common(local.command('replace'))
    .description('simulate an Auto Scaling replacement: stop and wipe NODE, boot a new node, watch the cluster heal')
    .argument('<node>', 'the node to replace, e.g. node-2')
    .action(async (node: string, flags: LocalFlags) => {
      const { sandboxReplace } = await import('../local/sandbox.js');
      const { replacement, view } = await sandboxReplace({ dir: flags.dir, node, ...etcdBin(flags) });
      print(view, flags, `${node} replaced by ${replacement}; the stale member was removed and ${replacement} joined as a learner, then was promoted`);
    });

  common(local.command('add'))
    .description('scale out: boot COUNT new nodes at the same moment; they join one at a time')
    .option('--count <n>', 'how many nodes to add', '1')
    .action(async (flags: LocalFlags & { count: string }) => {
      const { sandboxAdd } = await import('../local/sandbox.js');
      const { added, view } = await sandboxAdd({ dir: flags.dir, count: Number(flags.count), ...etcdBin(flags) });
      print(view, flags, `added ${added.join(', ')}`);
    });

  common(local.command('down'))
    .description('stop every simulated node and remove the sandbox')
    .option('--keep', 'keep the sandbox directory (data, logs, configs)')
    .action(async (flags: LocalFlags & { keep?: boolean }) => {
      const { sandboxDown } = await import('../local/sandbox.js');
      const stopped = await sandboxDown({ dir: flags.dir, keep: flags.keep === true });
      process.stdout.write(flags.json ? `${JSON.stringify({ stopped })}\n` : `stopped ${stopped.length} node(s)${flags.keep ? '' : `; removed ${flags.dir}`}\n`);
    });
}

function etcdBin(flags: LocalFlags): { etcdBin?: string } {
  return flags.etcdBin === undefined ? {} : { etcdBin: flags.etcdBin };
}

function print(view: SandboxView, flags: LocalFlags, headline: string | undefined): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ nodes: view.nodes, healthy: view.healthy, ...(view.etcdctlTls ? { etcdctl_tls: view.etcdctlTls } : {}) }, null, 2)}\n`);
    return;
  }
  const lines = headline ? [headline, ''] : [];
  lines.push('NAME     IP             STATE     CLIENT URL');
  for (const node of view.nodes) lines.push(`${node.name.padEnd(8)} ${node.ip.padEnd(14)} ${node.state.padEnd(9)} ${node.client_url}`);
  lines.push('', view.healthy ? 'cluster: healthy' : 'cluster: NOT healthy');
  const endpoints = view.nodes.map((node) => node.client_url).join(',');
  const tls = view.etcdctlTls ? ` --cacert ${view.etcdctlTls.cacert} --cert ${view.etcdctlTls.cert} --key ${view.etcdctlTls.key}` : '';
  lines.push(`try:     ETCDCTL_API=3 etcdctl --endpoints ${endpoints}${tls} endpoint health --cluster`);
  lines.push(`zone:    ${join(resolve(flags.dir), 'zones', 'local.muster.zone')} (the group's DNS records, written by muster boot on each node)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
