import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname as runningHostname } from 'node:os';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { Logger } from '../core/logger.js';
import { runProgram } from '../core/process.js';
import { underRoot } from '../core/root-path.js';
import { renderHostsFile } from './hosts-file.js';

export interface HostnameTarget {
  name: string;
  /** The node's FQDN when a DNS zone is configured. */
  fqdn?: string;
  ip: string;
}

/**
 * Writes /etc/hostname and this node's /etc/hosts line under `root`, and sets the running
 * hostname when muster runs on the node itself (root is /): hostnamectl where systemd runs,
 * else the hostname program. Each change only when something differs; returns what changed.
 */
export async function applyHostname(root: string, target: HostnameTarget, dryRun: boolean, logger: Logger): Promise<string[]> {
  const changes: string[] = [];
  const hostnamePath = underRoot(root, '/etc/hostname');
  const hostsPath = underRoot(root, '/etc/hosts');
  const names = target.fqdn ? [target.fqdn, target.name] : [target.name];
  const hosts = renderHostsFile(await readFile(hostsPath, 'utf8').catch(() => ''), target.ip, names);
  for (const [path, content] of [
    [hostnamePath, `${target.name}\n`],
    [hostsPath, hosts],
  ] as const) {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === content) continue;
    if (dryRun) changes.push(`would write ${path}`);
    else if (await writeFileAtomic(path, content, { mode: 0o644 })) changes.push(`wrote ${path}`);
  }
  if (root === '/' && runningHostname() !== target.name) {
    if (dryRun) changes.push(`would set the running hostname to ${target.name}`);
    else {
      const systemd = existsSync('/run/systemd/system');
      const result = systemd ? await runProgram('hostnamectl', ['set-hostname', target.name]) : await runProgram('hostname', [target.name]);
      if (result.code !== 0) logger.warn({ stderr: result.stderr.trim() }, 'could not set the running hostname');
      else changes.push(`set the running hostname to ${target.name} (${systemd ? 'hostnamectl' : 'hostname'})`);
    }
  }
  return changes;
}
