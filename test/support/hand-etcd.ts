import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnvFile } from '../../src/etcd/env.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { etcdctl } from './etcdctl.js';

/**
 * etcd started by hand, as an operator (or systemd with muster's EnvironmentFile) would start
 * it: from the ETCD_* variables, with the node's paths under its root.
 */
export function startEtcdWithEnvironment(variables: Record<string, string>, root = '/'): ChildProcess {
  const environment = Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, key === 'ETCD_DATA_DIR' || key.endsWith('_FILE') ? join(root, value) : value]),
  );
  return spawn('etcd', [], { stdio: 'ignore', env: { ...process.env, ...environment } });
}

/** The variables of the env file `muster etcd` wrote under a node's root. */
export async function musterEnvFile(root: string): Promise<Record<string, string>> {
  return parseEnvFile(await readFile(join(root, 'run/muster/etcd.env'), 'utf8'));
}

/**
 * `etcdctl member add NAME --learner`, and the variables it prints for starting the new member,
 * plus the listen URLs and data dir it leaves to the operator.
 */
export async function addLearnerByHand(endpoint: string, name: string, ip: string, dataDir: string): Promise<Record<string, string>> {
  const peerUrl = `http://${ip}:2380`;
  // etcd refuses member changes for ~5 s after its quorum formed ("unhealthy cluster").
  let result = await etcdctl(endpoint, ['member', 'add', name, '--learner', `--peer-urls=${peerUrl}`]);
  for (let tries = 0; result.code !== 0 && /unhealthy cluster/.test(result.stderr) && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    result = await etcdctl(endpoint, ['member', 'add', name, '--learner', `--peer-urls=${peerUrl}`]);
  }
  if (result.code !== 0) throw new Error(`etcdctl member add ${name} failed: ${result.stderr}`);
  const printed = Object.fromEntries([...result.stdout.matchAll(/^(ETCD_[A-Z_]+)="(.*)"$/gm)].map((match) => [match[1] ?? '', match[2] ?? '']));
  return {
    ...printed,
    ETCD_DATA_DIR: dataDir,
    ETCD_LISTEN_PEER_URLS: peerUrl,
    ETCD_LISTEN_CLIENT_URLS: `http://${ip}:2379`,
    ETCD_ADVERTISE_CLIENT_URLS: `http://${ip}:2379`,
  };
}

/**
 * Slows a process down for real: it runs `runMs`, then is stopped (SIGSTOP) for `stopMs`, over
 * and over, until `release()` lets it run freely again.
 */
export function dutyCycle(child: ChildProcess, runMs: number, stopMs: number): { release(): void } {
  let stopped = false;
  let released = false;
  const signal = (name: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  const tick = (): void => {
    if (released) return;
    stopped = !stopped;
    signal(stopped ? 'SIGSTOP' : 'SIGCONT');
    timer = setTimeout(tick, stopped ? stopMs : runMs);
  };
  let timer = setTimeout(tick, runMs);
  return {
    release() {
      released = true;
      clearTimeout(timer);
      signal('SIGCONT');
    },
  };
}

/** A muster command running in the background whose stderr (its JSON log) can be watched. */
export interface RunningMuster {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number>;
  /** Resolves once stderr matches, rejects if the process exits first or the time runs out. */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<void>;
}

export function spawnMuster(configFile: string, args: readonly string[], options: { env?: Record<string, string>; logLevel?: string } = {}): RunningMuster {
  const { command, args: base } = musterInvocation();
  const child = spawn(command, [...base, '--config', configFile, '--log-level', options.logLevel ?? 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitForLog(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      while (!pattern.test(stderr)) {
        if (done) throw new Error(`muster ${args.join(' ')} exited before logging ${pattern}:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`muster ${args.join(' ')} did not log ${pattern} within ${timeoutMs}ms:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
