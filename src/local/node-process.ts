import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { isAlive, waitForExit } from '../core/process.js';
import type { SandboxLayout } from './layout.js';
import { musterInvocation } from './muster-command.js';

/**
 * Starts one simulated node the way a container would run it: `muster boot --exec-etcd`, which
 * names the node, registers the group in DNS, forms or joins etcd, then runs etcd in the
 * foreground and promotes itself. Detached, so the sandbox outlives the command.
 */
export async function startNode(layout: SandboxLayout, name: string, etcdBinary: string): Promise<number> {
  const logPath = layout.nodeLog(name);
  await mkdir(dirname(logPath), { recursive: true });
  const log = await open(logPath, 'a');
  const { command, args } = musterInvocation();
  const child = spawn(command, [...args, '--config', layout.nodeConfig(name), 'boot', '--exec-etcd', '--etcd-bin', etcdBinary], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, MUSTER_LOG_LEVEL: process.env['MUSTER_LOG_LEVEL'] ?? 'info' },
  });
  await log.close();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  child.unref();
  await writeFileAtomic(layout.nodePid(name), `${pid}\n`);
  return pid;
}

export async function nodePid(layout: SandboxLayout, name: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(layout.nodePid(name), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops a node: SIGTERM to its process group (the wrapper and etcd), then waits for the
 * processes to be gone; etcd needs more than a second, and reusing its ports earlier fails.
 * `graceful: false` kills at once, for nodes whose data is about to be deleted anyway: a leader
 * stopping gracefully first tries to hand over leadership, which takes seconds when every other
 * member is stopping too.
 */
export async function stopNode(layout: SandboxLayout, name: string, options: { graceful: boolean } = { graceful: true }): Promise<void> {
  const pid = await nodePid(layout, name);
  if (pid !== undefined) {
    signalGroup(pid, options.graceful ? 'SIGTERM' : 'SIGKILL');
    if (!(await waitForExit(pid, 15_000))) {
      signalGroup(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }
  await rm(layout.nodePid(name), { force: true });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
