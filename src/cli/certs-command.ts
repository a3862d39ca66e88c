import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { nodeIdentity } from '../boot/node-identity.js';
import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PkiConfig } from '../pki/config-schema.js';
import { KEY_TYPES, type KeyType } from '../pki/key-types.js';
import type { NodeIdentity } from '../pki/specs.js';
import type { CertificateStatus } from '../pki/status.js';
import { loadForCommand, loggerFor, type GlobalOptions } from './context.js';

/**
 * `muster ca init`, `muster certs renew`, `muster certs status`. The pki modules (and
 * @peculiar/x509) load only when one of these runs.
 */
export function registerCertsCommands(program: Command, globals: () => GlobalOptions): void {
  const ca = program.command('ca').description('a certificate authority for the local-ca issuer');
  ca
    .command('init')
    .description('make a new self-signed CA: <dir>/ca.pem and <dir>/ca-key.pem (0600); never replaces an existing one')
    .requiredOption('--dir <dir>', 'directory for ca.pem and ca-key.pem')
    .option('--name <common-name>', 'the CA\'s common name (also the trust store file name)', 'muster CA')
    .option('--days <days>', 'validity in days', '3650')
    .addOption(new Option('--key-type <type>', 'key type').choices(KEY_TYPES).default('ec-p256'))
    .action(async (options: { dir: string; name: string; days: string; keyType: KeyType }) => {
      const days = Number(options.days);
      if (!Number.isInteger(days) || days < 1) throw new MusterError(`--days must be a whole number of days, at least 1 (got ${options.days})`, { code: 'USAGE', kind: 'usage', hint: 'e.g. --days 3650' });
      const { initCa } = await import('../pki/ca-init.js');
      const result = await initCa({ dir: resolve(options.dir), name: options.name, days, keyType: options.keyType });
      process.stdout.write(
        [
          `wrote ${result.keyPath} (0600: keep it secret, back it up)`,
          `wrote ${result.certificatePath} (valid until ${result.notAfter.toISOString()})`,
          'use it with:',
          '  pki:',
          '    issuer:',
          '      type: local-ca',
          `      ca_cert_file: ${result.certificatePath}`,
          `      ca_key_file: ${result.keyPath}`,
          '',
        ].join('\n'),
      );
    });

  ca
    .command('issue')
    .description('a certificate from a `ca init` CA for something that is not a node, e.g. an operator\'s etcdctl when etcd requires client certificates')
    .argument('<name>', 'names the files <out>/<name>.pem and <name>-key.pem (0600), and is the subject CN unless --cn is given')
    .requiredOption('--dir <dir>', 'the CA directory made by `muster ca init`')
    .option('--out <dir>', 'where to write the certificate and key', '.')
    .option('--cn <common-name>', 'subject common name (etcd takes it as the user name)')
    .option('--san <name-or-ip...>', 'DNS names and IP addresses (none by default: a client certificate needs none)')
    .addOption(new Option('--usage <usage...>', 'extended key usages').choices(['client', 'server']).default(['client']))
    .option('--days <days>', 'validity in days', '365')
    .action(async (name: string, options: { dir: string; out: string; cn?: string; san?: string[]; usage: ('client' | 'server')[]; days: string }) => {
      // The name becomes file names: no path separators, no hidden files.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) throw new MusterError(`${name}: use letters, digits, . _ and - (it names the files)`, { code: 'USAGE', kind: 'usage', hint: 'e.g. muster ca issue admin --dir /etc/muster/ca' });
      const days = Number(options.days);
      if (!Number.isInteger(days) || days < 1) throw new MusterError(`--days must be a whole number of days, at least 1 (got ${options.days})`, { code: 'USAGE', kind: 'usage', hint: 'e.g. --days 365' });
      const { isValidSan } = await import('../pki/sans.js');
      const invalid = (options.san ?? []).filter((san) => !isValidSan(san));
      if (invalid.length > 0) throw new MusterError(`--san ${invalid.join(', ')}: not a DNS name or IP address`, { code: 'USAGE', kind: 'usage', hint: 'e.g. --san etcd.example.com --san 10.0.0.5' });
      const { issueFromCa } = await import('../pki/ca-issue.js');
      const result = await issueFromCa({
        caDir: resolve(options.dir),
        name,
        outDir: resolve(options.out),
        ...(options.cn === undefined ? {} : { commonName: options.cn }),
        sans: options.san ?? [],
        usages: options.usage,
        days,
      });
      process.stdout.write(`wrote ${result.keyPath} (0600)\nwrote ${result.certificatePath}\ne.g. etcdctl --cacert ${result.caPath} --cert ${result.certificatePath} --key ${result.keyPath} …\n`);
    });

  const certs = program.command('certs').description('this node\'s certificates: keys made on the node, CSRs signed by the configured issuer');

  certs
    .command('renew')
    .description('issue what is missing, changed or due for renewal (at 2/3 of its lifetime, with per-node jitter); then run pki.reload once if anything was issued')
    .option('--dry-run', 'show what would be issued; change nothing')
    .option('--force', 'issue every certificate again (keys are kept)')
    .action(async (options: { dryRun?: boolean; force?: boolean }) => {
      const logger = loggerFor(globals());
      const { config, pki, self } = await loadNode(globals(), logger);
      const [{ runCertsStep }, { issuerContextFor }] = await Promise.all([import('../pki/certs-step.js'), import('../pki/registry.js')]);
      const result = await runCertsStep({
        config: pki,
        self,
        root: config.root,
        dryRun: options.dryRun === true,
        logger,
        issuerContext: issuerContextFor(config, logger),
        mode: 'renew',
        force: options.force === true,
      });
      process.stdout.write(`${options.dryRun ? '[dry run]\n' : ''}${result.lines.join('\n')}\n`);
      if (result.reloadFailures.length > 0) {
        throw new MusterError(`certificates renewed, but ${result.reloadFailures.length} reload command${result.reloadFailures.length === 1 ? '' : 's'} failed`, {
          code: 'PKI_RELOAD_FAILED',
          kind: 'internal',
          details: result.reloadFailures,
          hint: 'the services may still use their old certificates: fix the command (pki.reload) and restart them',
        });
      }
    });

  certs
    .command('status')
    .description('each certificate: its SANs, when it ends, and whether renewal is due')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const logger = loggerFor(globals());
      const { config, pki, self } = await loadNode(globals(), logger);
      const { certificatesStatus } = await import('../pki/status.js');
      const status = await certificatesStatus({ config: pki, self, root: config.root });
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
    });
}

/** The loaded config's pki section and this node's names and address, computed as `muster boot` does. */
async function loadNode(options: GlobalOptions, logger: Logger): Promise<{ config: Config; pki: PkiConfig; self: NodeIdentity }> {
  const { config } = await loadForCommand(options, logger);
  const pki = (config as Config & { pki?: PkiConfig }).pki;
  if (!pki) {
    throw new MusterError('the config has no pki section', { code: 'PKI_NOT_CONFIGURED', kind: 'config', hint: 'add a pki section with an issuer (README: Certificates)' });
  }
  const { createPlatform } = await import('../platform/registry.js');
  const { self } = await (await createPlatform(config.platform)).discover();
  return { config, pki, self: nodeIdentity(config, self) };
}


export function renderStatus(status: readonly CertificateStatus[]): string {
  const lines: string[] = [];
  for (const cert of status) {
    lines.push(`${cert.name}  ${cert.certificatePath}`);
    if (cert.broken !== undefined) lines.push(`  broken: ${cert.broken}`);
    if (cert.sans === undefined) lines.push('  no certificate');
    else {
      lines.push(`  SANs: ${cert.sans.join(', ')}`);
      lines.push(`  not after: ${cert.notAfter ?? '?'}   renewal due at: ${cert.renewalDueAt ?? '?'}`);
    }
    lines.push(cert.renewalDue ? `  renewal due: yes (${cert.reasons.join('; ')})` : '  renewal due: no');
    if (cert.keyProblem !== undefined) lines.push(`  key: ${cert.keyProblem}`);
  }
  return `${lines.join('\n')}\n`;
}
