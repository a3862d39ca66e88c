import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { musterInvocation } from '../../src/local/muster-command.js';
import { waitFor } from './etcdctl.js';

/**
 * `muster kube-dns` as a Deployment would run it: a long-lived child whose JSON log lines we
 * keep, and its HTTP endpoints (/readyz, /state, /metrics) to look at it the way an operator
 * (or Prometheus) would.
 */
export interface KubeDnsProcess {
  child: ChildProcess;
  port: number;
  log(): string;
  get(path: string): Promise<{ status: number; body: string }>;
  state(): Promise<KubeDnsState>;
  /** The value of one sample (name with its labels exactly as exposed, e.g. `x{zone="a."}`), summed over label sets when the name has none. */
  metric(name: string): Promise<number>;
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM (the lease is released), or SIGKILL: the leader dies. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface KubeDnsState {
  synced: boolean;
  leader: boolean;
  apiserver_available: boolean;
  services: { service: string; name: string; endpoints: string[]; mode: string; published: string; healthy: boolean; current_quota: number }[];
  invalid: { service: string; reason: string }[];
  zones: { zone: string; heldDeletes?: string; conflicts: string[]; lastError?: string }[];
}

export function startKubeDns(config: string, port: number, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): KubeDnsProcess {
  const { command, args } = musterInvocation();
  const child = spawn(command, [...args, 'kube-dns', '-c', config, '--port', String(port), '--log-level', 'debug', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text() };
  };
  const controller: KubeDnsProcess = {
    child,
    port,
    log: () => log,
    get,
    state: async () => JSON.parse((await get('/state')).body) as KubeDnsState,
    metric: async (name) => {
      const { body } = await get('/metrics');
      let sum = 0;
      let found = false;
      for (const line of body.split('\n')) {
        if (line.startsWith('#')) continue;
        const [sample, value] = line.split(' ');
        if (sample === undefined || value === undefined) continue;
        if (sample === name || (!name.includes('{') && sample.startsWith(`${name}{`))) {
          sum += Number(value);
          found = true;
        }
      }
      return found ? sum : 0;
    },
    waitReady: async (timeoutMs = 30_000) => {
      try {
        await waitFor('kube-dns /readyz', async () => child.exitCode === null && (await get('/readyz')).status === 200, timeoutMs);
      } catch (error) {
        throw new Error(`${(error as Error).message}; kube-dns ${child.exitCode === null ? 'still runs' : `exited ${child.exitCode}`}:\n${log.slice(-3000)}`, { cause: error });
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const closed = once(child, 'close');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await closed;
      clearTimeout(timer);
      return child.exitCode;
    },
  };
  return controller;
}
