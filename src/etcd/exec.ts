import { spawn } from 'node:child_process';
import { MusterError } from '../core/errors.js';
import { forwardingSignals } from '../core/signals.js';

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

/**
 * Flags given on the command line win over muster's computed environment. etcd refuses to start
 * when a variable and the flag for the same setting are both given, so the variable is dropped.
 */
export function mergeFlagsAndEnvironment(environment: readonly [string, string][], flags: readonly string[]): Record<string, string> {
  const flagged = new Set(
    flags.filter((flag) => flag.startsWith('-')).map((flag) => `ETCD_${flag.replace(/^-+/, '').split('=')[0]?.replace(/-/g, '_').toUpperCase() ?? ''}`),
  );
  return Object.fromEntries(environment.filter(([key]) => !flagged.has(key)));
}

export interface RunEtcdOptions {
  binary: string;
  args: readonly string[];
  environment: Record<string, string>;
  /** Called once the process is running; e.g. to promote a learner. */
  onStarted?: () => void;
}

/**
 * Runs etcd in the foreground as etcd-bootstrap's container wrapper did: muster's environment
 * plus the caller's flags, signals forwarded, etcd's exit code returned.
 */
export function runEtcd(options: RunEtcdOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary, options.args, { stdio: 'inherit', env: { ...process.env, ...options.environment } });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    forwardingSignals(true);
    const stopForwarding = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      forwardingSignals(false);
    };
    child.once('spawn', () => options.onStarted?.());
    child.once('error', (error: NodeJS.ErrnoException) => {
      stopForwarding();
      reject(
        error.code === 'ENOENT'
          ? new MusterError(`etcd binary ${options.binary} not found`, {
              code: 'ETCD_MISSING',
              kind: 'missing-dependency',
              hint: 'install it (Debian: apt-get install -y etcd-server) or pass --etcd-bin',
            })
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }[signal as string];
}
