import { Option, type Command } from 'commander';
import { createLogger } from '../core/logger.js';
import { MusterError } from '../core/errors.js';
import type { ElectConfig } from '../election/config-schema.js';
import { underRoot } from '../core/root-path.js';
import type { GlobalOptions } from './context.js';
import { PARSE_ONCE } from '../config/parse-once.js';

interface ElectFlags {
  interface?: string[];
  iface?: string[];
  expect?: string;
  action?: string;
  group?: string;
  name?: string;
  secretFile?: string;
  priority?: string;
  role?: string;
  family?: string;
  settle?: string;
  timeout?: string;
  linger?: string;
  port?: string;
  stateDir?: string;
  hostKeyFile?: string;
  bootstrapKey?: string;
  sshUser?: string;
  sshPort?: string;
  sshKeyDir?: string;
  authorizedKeysFile?: string;
  createUser?: string;
  log_level?: string;
  zc_log?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

// zeroinit's --log_level took Python's level names.
const PYTHON_LEVELS: Record<string, string> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', WARN: 'warn', ERROR: 'error', CRITICAL: 'fatal' };

/** `muster elect` (zeroinit's bootstrap.py, its flags accepted): leaderless start over mDNS, an action run once on the leader. */
export function registerElectCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('elect')
    .description('elect a leader among masters over mDNS (zeroinit) once --expect agree, and run --action on it exactly once')
    .option('-i, --interface <name...>', 'interfaces to announce and listen on (zeroinit\'s --iface; default: every one with an address)')
    .addOption(new Option('--iface <name...>', 'zeroinit\'s name for --interface').hideHelp())
    .option('-e, --expect <n>', 'members that must be seen, all agreeing, before a leader is chosen (zeroinit default 3)')
    .option('-a, --action <command>', 'run on the leader once, as `command ip1 ip2 …` (no shell)')
    .option('--group <name>', 'election group (default muster)')
    .option('--name <name>', 'this member\'s instance name (default: the hostname)')
    .option('--secret-file <file>', 'the group\'s shared secret (required: unsigned announcements are ignored)')
    .option('--priority <n>', 'election id (the lowest leads; default: the first IPv4 address as an integer)')
    .option('--role <role>', 'announced role, e.g. master')
    .addOption(new Option('--family <family>', 'mDNS over').choices(['ipv4', 'ipv6', 'both']))
    .option('--settle <duration>', 'nothing new for this long before agreeing (default 1s)')
    .option('--timeout <duration>', 'give up without agreement after this (default 10m)')
    .option('--linger <duration>', 'the leader keeps answering this long after the action (default 10m)')
    .option('--port <port>', 'mDNS port (default 5353)')
    .option('--state-dir <dir>', 'where the intent and done records are kept (default /var/lib/muster/elect, under root)')
    .option('--host-key-file <file>', 'this member\'s SSH host public key, whose fingerprint it announces (default /etc/ssh/ssh_host_ed25519_key.pub)')
    .option('--bootstrap-key <file>', 'rotate SSH keys: the bootstrap private key the leader logs in with first (its .pub beside it)')
    .option('--ssh-user <user>', 'with --bootstrap-key: the user it logs in as (default root)')
    .option('--ssh-port <port>', 'with --bootstrap-key: the members\' sshd port (default 22)')
    .option('--ssh-key-dir <dir>', 'with --bootstrap-key: where the leader keeps the new key (default /var/lib/muster/elect/ssh)')
    .option('--authorized-keys-file <pattern>', 'with --bootstrap-key: the members\' sshd AuthorizedKeysFile (default .ssh/authorized_keys)')
    .option('--create-user <name>', 'with --bootstrap-key: create this user (passwordless sudo) with the new key, as zeroinit\'s provision')
    .addOption(new Option('-l, --log_level <level>', 'zeroinit\'s log level (DEBUG, INFO, WARNING, ERROR)').hideHelp())
    .addOption(new Option('-z, --zc_log', 'zeroinit\'s zeroconf logging: accepted, muster\'s debug log shows mDNS').hideHelp())
    .option('--dry-run', 'check the settings, the interfaces and the secret, and print what this member would announce; send nothing')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ElectFlags) => {
      const options = globals();
      const level = flags.log_level !== undefined ? PYTHON_LEVELS[flags.log_level.toUpperCase()] ?? flags.log_level.toLowerCase() : undefined;
      const logger = createLogger({ level: options.logLevel ?? level ?? (options.debug ? 'debug' : undefined) ?? process.env['MUSTER_LOG_LEVEL'] ?? 'info' });
      const { config, root } = await electSettings(flags, options);
      const { readGroupSecret } = await import('../election/secret.js');
      const secret = await readGroupSecret(underRoot(root, config.secret_file), (message) => process.stderr.write(`muster: warning: ${message}\n`));
      const { splitCommand } = await import('../election/action.js');
      const action = flags.action !== undefined ? splitCommand(flags.action) : config.action !== undefined ? splitCommand(config.action) : undefined;
      if (flags.dryRun) {
        const { dryRunReport } = await import('../election/dry-run.js');
        const report = await dryRunReport(config, root, action);
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${report.lines.join('\n')}\n`);
        return;
      }
      const { runElection } = await import('../election/elect.js');
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        const result = await runElection({ config, root, secret, action, logger, signal: abort.signal, progress: (line) => process.stderr.write(`elect: ${line}\n`) });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `${result.role === 'leader' ? 'led' : result.role === 'follower' ? 'followed' : 'came late to'} the election of ${result.members.length || 'its'} members: leader ${result.leader}, action exit ${result.result}${result.fromRecord ? ' (from the done record: nothing ran now)' : ''}\n`,
        );
        // zeroinit's users chain on the exit status: the action's, on every member.
        process.exitCode = result.result;
      } catch (error) {
        if (abort.signal.aborted) {
          process.exitCode = 143;
          return;
        }
        throw error;
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    });
}

/** The elect section of the config file (when there is one), with the flags over it. */
async function electSettings(flags: ElectFlags, options: GlobalOptions): Promise<{ config: ElectConfig; root: string }> {
  const path = options.config ?? process.env['MUSTER_CONFIG'];
  let base: Record<string, unknown> = {};
  let root = '/';
  // A member started from user-data often has no config file, only flags: then neither YAML nor
  // the whole config's schema is loaded, only the elect section's (every member starts at once,
  // and on a small machine they share its cores).
  const [{ electConfigSchema }, { problemsFromZod, renderProblems }] = await Promise.all([import('../election/config-schema.js'), import('../config/issues.js')]);
  if (path !== undefined) {
    const { loadConfigFile } = await import('../config/load.js');
    const loaded = await loadConfigFile(path);
    root = loaded.config.root;
    base = { ...(loaded.config.elect ?? {}) };
  }
  const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
  const interfaces = flags.interface ?? flags.iface;
  const overrides: Record<string, unknown> = {
    ...(interfaces !== undefined ? { interfaces } : {}),
    ...(flags.expect !== undefined ? { expect: number(flags.expect) } : {}),
    ...(flags.group !== undefined ? { group: flags.group } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.secretFile !== undefined ? { secret_file: flags.secretFile } : {}),
    ...(flags.priority !== undefined ? { priority: number(flags.priority) } : {}),
    ...(flags.role !== undefined ? { role: flags.role } : {}),
    ...(flags.family !== undefined ? { family: flags.family } : {}),
    ...(flags.settle !== undefined ? { settle: flags.settle } : {}),
    ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}),
    ...(flags.linger !== undefined ? { linger: flags.linger } : {}),
    ...(flags.port !== undefined ? { port: number(flags.port) } : {}),
    ...(flags.stateDir !== undefined ? { state_dir: flags.stateDir } : {}),
    ...(flags.hostKeyFile !== undefined ? { host_key_file: flags.hostKeyFile } : {}),
  };
  const rotation: Record<string, unknown> = {
    ...((base['rotate_ssh'] as Record<string, unknown> | undefined) ?? {}),
    ...(flags.bootstrapKey !== undefined ? { bootstrap_key_file: flags.bootstrapKey } : {}),
    ...(flags.sshUser !== undefined ? { user: flags.sshUser } : {}),
    ...(flags.sshPort !== undefined ? { port: number(flags.sshPort) } : {}),
    ...(flags.sshKeyDir !== undefined ? { key_dir: flags.sshKeyDir } : {}),
    ...(flags.authorizedKeysFile !== undefined ? { authorized_keys_file: flags.authorizedKeysFile } : {}),
    ...(flags.createUser !== undefined ? { create_user: { name: flags.createUser } } : {}),
  };
  if (Object.keys(rotation).length > 0) overrides['rotate_ssh'] = rotation;
  const parsed = electConfigSchema.safeParse({ ...base, ...overrides }, PARSE_ONCE);
  if (!parsed.success) {
    const problems = problemsFromZod(parsed.error, () => Object.keys(electConfigSchema.shape)).map((problem) => ({ ...problem, path: `elect.${problem.path}` }));
    throw new MusterError(`elect: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the settings`, {
      code: 'CONFIG_INVALID',
      kind: 'config',
      details: renderProblems(problems),
      hint: 'give them as flags (muster elect --help) or in the config file\'s elect section; every member needs --secret-file',
    });
  }
  return { config: parsed.data, root };
}
