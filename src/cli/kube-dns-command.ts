import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { MusterError } from '../core/errors.js';
import { loggerFor, type GlobalOptions } from './context.js';

interface KubeDnsOptions {
  port?: string;
  dryRun?: boolean;
  once?: boolean;
  json?: boolean;
  check?: boolean;
  schema?: boolean;
}

const DEFAULT_PATHS = ['/etc/muster/kube-dns.yaml', '/etc/kuberoute/config'];

/** `muster kube-dns`: kuberoute's controller (its --config, --port and --debug are muster's own flags). */
export function registerKubeDnsCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('kube-dns')
    .description('long-running: publish labeled Kubernetes Services in DNS (kuberoute), with ownership, quota failover, a deletion guard and a Lease for HA; -c takes a kube-dns.yaml or a kuberoute INI file')
    .option('--port <port>', 'HTTP port of /healthz /readyz /metrics /state /health / (kuberoute\'s --port; default kube_dns.port)')
    .option('--dry-run', 'watch and plan, log what would change, write nothing (no DNS, no report)')
    .option('--once', 'sync once when every watch has synced, print the plan and exit (no HTTP server, no lease: run it where no other replica writes)')
    .option('--json', 'with --once or --check: print JSON')
    .option('--check', 'load the config (a kuberoute INI is mapped), print it with every default and notice, and exit')
    .option('--schema', 'print the kube-dns config\'s JSON Schema')
    .action(async (options: KubeDnsOptions) => {
      if (options.schema) {
        const { kubeDnsJsonSchema } = await import('../kube/config-load.js');
        process.stdout.write(`${JSON.stringify(kubeDnsJsonSchema(), null, 2)}\n`);
        return;
      }
      const global = globals();
      const logger = loggerFor(global);
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
        throw new MusterError(`--port ${options.port ?? ''} is not a port number`, { code: 'USAGE', kind: 'usage', hint: 'give 1-65535' });
      }
      const { loadKubeDnsFile } = await import('../kube/config-load.js');
      const loaded = await loadKubeDnsFile(await kubeDnsConfigPath(global));
      if (options.check) {
        const { redactSecrets } = await import('../kube/redact.js');
        const shown = { format: loaded.format, notices: loaded.notices, config: redactSecrets(loaded.file) };
        if (options.json) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        else {
          for (const notice of loaded.notices) process.stderr.write(`notice: ${notice}\n`);
          process.stdout.write(`# ${loaded.path} (${loaded.format}): valid\n${stringify(shown.config)}`);
        }
        return;
      }
      const { runKubeDns } = await import('../kube/run-kube-dns.js');
      const result = await runKubeDns(loaded, { dryRun: options.dryRun === true, once: options.once === true, port }, logger);
      if (result !== undefined) {
        if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${result.summary.length === 0 ? 'no changes' : result.summary.join('\n')}\n${result.errors.map((error) => `error: ${error}`).join('\n')}${result.errors.length > 0 ? '\n' : ''}`);
        if (result.errors.length > 0) throw new MusterError(`kube-dns: ${result.errors.length} zone(s) not synced`, { code: 'KUBE_DNS_SYNC', kind: 'unavailable', hint: 'see the errors above; the controller (without --once) retries by itself' });
      }
    });
}

/** -c, else MUSTER_CONFIG, else the first of /etc/muster/kube-dns.yaml and kuberoute's /etc/kuberoute/config that exists. */
async function kubeDnsConfigPath(global: GlobalOptions): Promise<string> {
  const given = global.config ?? process.env['MUSTER_CONFIG'];
  if (given !== undefined) return given;
  for (const path of DEFAULT_PATHS) {
    try {
      await access(path);
      return path;
    } catch {
      // try the next
    }
  }
  return DEFAULT_PATHS[0] ?? '/etc/muster/kube-dns.yaml';
}
