import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { applyEnvOverrides } from '../../config/env-overrides.js';
import { validateConfig } from '../../config/load.js';
import { configSections, type Config } from '../../config/schema.js';
import { MusterError, describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { musterInvocation } from '../../local/muster-command.js';
import type { Platform } from '../../platform/types.js';
import { etcdBootstrapConfig } from './config.js';
import type { EtcdBootstrapInvocation } from './flags.js';
import { PARSE_ONCE } from '../../config/parse-once.js';

export interface CompatRun {
  config: Config;
  platform: Platform;
}

/**
 * The muster config an etcd-bootstrap command line stands for: the flags mapped, MUSTER_*
 * overrides applied on top (endpoints, ports, root: what etcd-bootstrap had no flag for), and
 * the result validated like any config file, every problem named.
 */
export async function compatConfig(invocation: EtcdBootstrapInvocation, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<CompatRun> {
  const credentialsEnv = await vmwareCredentials(env);
  const mapped = etcdBootstrapConfig(invocation, { ...credentialsEnv, ...env }, process.cwd());
  for (const note of mapped.notes) logger.warn({ compat: 'etcd-bootstrap' }, note);
  const overrides = applyEnvOverrides(mapped.document, env, Object.keys(configSections.shape));
  for (const warning of overrides.warnings) logger.warn(warning);
  const dns = mapped.document['dns'] as { zone: string; provider: Record<string, unknown> } | undefined;
  if (dns !== undefined && mapped.zoneId !== undefined) {
    const { hostedZoneName } = await import('../../dns/providers/route53/zone.js');
    const { route53Schema } = await import('../../dns/providers/route53/schema.js');
    dns.zone = await hostedZoneName(route53Schema.parse(dns.provider, PARSE_ONCE), mapped.zoneId);
  }
  const config = validateConfig(mapped.document, 'etcd-bootstrap flags');
  // The platform reads its password from the environment, never from the config.
  Object.assign(process.env, mapped.environment);
  const { createPlatform } = await import('../../platform/registry.js');
  return { config, platform: await createPlatform(config.platform) };
}

/** The vmware image sourced $VMWARE_CREDENTIALS, a sh file defining VMWARE_USERNAME and VMWARE_PASSWORD. */
async function vmwareCredentials(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const file = env['VMWARE_CREDENTIALS'];
  if (file === undefined || file === '') return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MusterError(`cannot read $VMWARE_CREDENTIALS ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { code: 'VSPHERE_NO_CREDENTIALS', kind: 'config', cause: error });
  }
  const found: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?(VMWARE_USERNAME|VMWARE_PASSWORD)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) found[match[1]] = unquote((match[2] ?? '').trim());
  }
  return found;
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith("'") && value.endsWith("'")) || (value.startsWith('"') && value.endsWith('"')))) return value.slice(1, -1);
  return value;
}

/**
 * etcd-bootstrap returned once its file was written, and etcd then started on its own; muster
 * adds a joiner as a learner, which someone must promote once it has caught up. This leaves
 * that to a background muster (bounded by etcd.timeout after etcd answers), so the seed's
 * `etcd-bootstrap -o F; . F; exec etcd` still ends with a voting member. It logs to
 * `<output>.promote.log`, not to this process's stderr: a caller reading that pipe (a `$(…)`,
 * a test) would otherwise wait for the promotion, which waits for the etcd the caller starts.
 */
export function promoteInBackground(args: readonly string[], output: string, logger: Logger): void {
  const { command, args: base } = musterInvocation();
  let log: number | 'ignore' = 'ignore';
  try {
    log = openSync(`${output}.promote.log`, 'a', 0o644);
  } catch (error) {
    logger.warn({ error: describeError(error) }, 'no log for the background promotion');
  }
  const child = spawn(command, [...base, 'etcd-bootstrap', ...args, '--muster-promote-learner'], { detached: true, stdio: ['ignore', log, log] });
  if (typeof log === 'number') closeSync(log);
  child.on('error', (error) => logger.warn({ error: describeError(error) }, 'could not start the background promotion; run `muster etcd promote` once etcd has caught up'));
  child.unref();
  logger.info({ log: `${output}.promote.log` }, 'this node joined as a learner: a background muster promotes it once its etcd has caught up');
}

export async function promoteAfterStart(run: CompatRun, logger: Logger): Promise<void> {
  const { promoteNode } = await import('../../etcd/promote-node.js');
  const { self } = await run.platform.discover();
  // etcd starts after this process's parent returns: promoteNode allows it etcd.timeout to come up and catch up.
  const outcome = await promoteNode(run.config, self, logger);
  logger.info({ member: self.name, outcome }, outcome === 'promoted' ? 'learner promoted to a voting member' : 'already a voting member');
}

/** etcd-bootstrap registered the members in Route 53 after writing its file; so does this. */
export async function registerMembers(run: CompatRun, dryRun: boolean, logger: Logger): Promise<string[]> {
  const { config } = run;
  if (config.dns === undefined) return [];
  const { runDnsStep } = await import('../../boot/dns-step.js');
  const discovery = await run.platform.discover();
  const result = await runDnsStep({ ...config, dns: config.dns }, discovery, dryRun, logger);
  return result.summary;
}
