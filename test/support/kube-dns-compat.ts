import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { etcdctl } from './etcdctl.js';

/**
 * Helpers of test/integration/kube-dns-compat.test.ts: reading SkyDNS keys the way a user of
 * CoreDNS's etcd plugin would (etcdctl), whether a fixed port is free, and a long-running child
 * in its own process group (so the whole group, `unshare` and `sh` included, can be ended).
 */

/** Every key under `prefix` with its value, read with the real etcdctl (v3 API). */
export async function etcdKeys(endpoints: string, prefix = '/skydns/'): Promise<Map<string, string>> {
  const result = await etcdctl(endpoints, ['get', '--prefix', prefix]);
  if (result.code !== 0) throw new Error(`etcdctl get --prefix ${prefix} failed (${result.code}): ${result.stderr}`);
  const lines = result.stdout.split('\n');
  const keys = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const key = lines[i];
    const value = lines[i + 1];
    if (key !== undefined && key !== '' && value !== undefined) keys.set(key, value);
  }
  return keys;
}

/** Whether a TCP listener can bind `host:port` right now (nothing else holds it). */
export async function portIsFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  } catch {
    return false;
  }
  await new Promise((resolve) => server.close(resolve));
  return true;
}

export interface GroupProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves at 'close' (every stream drained) with the exit code or the signal. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the whole process group, SIGKILL to it after graceMs; resolves at 'close'. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command` detached (its own process group), collecting its output. */
export function spawnGroup(command: string, args: readonly string[], env: NodeJS.ProcessEnv): GroupProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const closed = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  // The group must not outlive the test process.
  const killOnExit = (): void => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  void closed.then(() => process.removeListener('exit', killOnExit));
  return {
    child,
    output: () => output,
    closed,
    stop: async (graceMs = 10_000) => {
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      const result = await closed;
      clearTimeout(timer);
      // Anything left in the group (there should be nothing) goes too.
      signalGroup(child, 'SIGKILL');
      return result;
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}
