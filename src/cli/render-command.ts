import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import type { UserDataFormat } from '../render/node-content.js';
import { musterVersion } from './version.js';

/** `render --check` found secrets: EX_DATAERR, distinct from every error's code. */
export const EXIT_SECRETS_FOUND = 65;

interface RenderOptions {
  cluster?: string;
  role?: string;
  format: UserDataFormat;
  out?: string;
  maxBytes: string;
  params?: string;
  validate?: boolean;
  json?: boolean;
  check?: string;
  schema?: boolean;
}

/** `muster render`: a role's user-data from the cluster model; `--check` scans existing user-data for secrets. */
export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description('render a role\'s user-data (cloud-config or Ignition) from a cluster model; --check scans user-data for secrets')
    .option('--cluster <file>', 'the cluster model (cluster.yaml)')
    .option('--role <role>', 'the role to render (or node-role from heatit params)')
    .addOption(new Option('--format <format>', 'user-data format').choices(['cloud-config', 'ignition']).default('cloud-config'))
    .option('--out <file>', 'write it here (atomically; 0600 when it embeds a secret) instead of stdout')
    .option('--max-bytes <bytes>', 'size budget: gzip when over, an error when still over', '16384')
    .option('--params <file>', 'a heatit params.yml of coreos-docker-swarm-cluster')
    .option('--validate', 'also run the format\'s validator (cloud-init schema, ignition-validate)')
    .option('--json', 'with --out or --check: print a JSON summary on stdout')
    .option('--check <file>', 'scan existing user-data for private keys and tokens (exit 65 when found)')
    .option('--schema', 'print the cluster model\'s JSON Schema')
    .action(async (options: RenderOptions) => {
      if (options.schema) {
        const { clusterJsonSchema } = await import('../render/cluster-load.js');
        process.stdout.write(`${JSON.stringify(clusterJsonSchema(), null, 2)}\n`);
        return;
      }
      if (options.check !== undefined) {
        if (options.cluster !== undefined) throw usage('--check scans a file; it takes no --cluster');
        await check(options.check, options.json === true);
        return;
      }
      await render(options);
    });
}

async function render(options: RenderOptions): Promise<void> {
  if (options.cluster === undefined) throw usage('give --cluster FILE (or --check FILE, or --schema)');
  const maxBytes = Number(options.maxBytes);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw usage(`--max-bytes must be a whole number of bytes (got ${options.maxBytes})`);
  if (options.json && options.out === undefined) throw usage('--json prints a summary on stdout, so the user-data needs --out FILE');
  const { loadClusterFile, loadRole } = await import('../render/cluster-load.js');
  const { renderUserData } = await import('../render/render-user-data.js');
  const cluster = await loadClusterFile(options.cluster);
  const input = await loadRole(cluster, options.role, options.params);
  const header = `rendered by muster ${musterVersion()} render: cluster ${input.cluster}, role ${input.role}`;
  const userData = renderUserData(input, { format: options.format, maxBytes, header });
  if (options.validate) {
    const { validateUserData } = await import('../render/validate-user-data.js');
    await validateUserData(userData.bytes, userData.format);
  }
  const report = [
    `rendered role ${userData.role} of cluster ${input.cluster} as ${userData.format}: ${userData.bytes.length} bytes${userData.compressed ? ` (gzip of ${userData.rawBytes})` : ''}, budget ${maxBytes}${options.validate ? ', validated' : ''}`,
    ...input.notes.map((note) => `note: ${note}`),
    ...userData.embeddedSecrets.map((secret) => `embedded secret: ${secret} (readable by anyone who can read this instance's user-data)`),
    ...userData.withheldSecrets.map((secret) => `not embedded: ${secret.name} → ${secret.path}: deliver it to the node before muster-boot.service runs`),
  ];
  process.stderr.write(`${report.join('\n')}\n`);
  if (options.out !== undefined) {
    await writeFileAtomic(options.out, userData.bytes, { mode: userData.embeddedSecrets.length > 0 ? 0o600 : 0o644 });
    if (options.json) {
      const { bytes: _bytes, ...summary } = userData;
      process.stdout.write(`${JSON.stringify({ ...summary, bytes: userData.bytes.length, out: options.out })}\n`);
    }
    return;
  }
  if (userData.compressed && userData.format === 'cloud-config' && process.stdout.isTTY) throw usage('the user-data is gzipped (binary): give --out FILE or redirect stdout');
  process.stdout.write(userData.bytes);
}

async function check(file: string, json: boolean): Promise<void> {
  const { scanUserData, SCANNED_KINDS } = await import('../render/secret-scan.js');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new MusterError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { code: 'CHECK_UNREADABLE', kind: 'usage', cause: error });
  }
  const findings = scanUserData(bytes);
  if (json) process.stdout.write(`${JSON.stringify({ file, findings })}\n`);
  else if (findings.length === 0) process.stdout.write(`${file}: no secrets found (looked for: ${SCANNED_KINDS.join(', ')})\n`);
  else process.stdout.write(`${findings.map((finding) => `${file}: ${finding.where}, line ${finding.line}: ${finding.kind}`).join('\n')}\n`);
  if (findings.length > 0) {
    process.stderr.write(`muster: ${findings.length} secret${findings.length === 1 ? '' : 's'} in ${file}\nhint: move each into the cluster model's secrets without embed, and deliver it another way\n`);
    process.exitCode = EXIT_SECRETS_FOUND;
  }
}

function usage(message: string): MusterError {
  return new MusterError(message, { code: 'USAGE', kind: 'usage', hint: 'muster render --cluster cluster.yaml --role manager [--format ignition] [--out FILE]' });
}
