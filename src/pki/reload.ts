import { spawn } from 'node:child_process';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface ReloadOutcome {
  lines: string[];
  failures: string[];
}

/** A reload that hangs (a unit stuck in stopping) must not keep the renewal timer busy forever. */
const COMMAND_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs pki.reload once after a renewal, so servers pick up their new certificates. Each is a
 * shell command (systemctl try-reload-or-restart etcd). A failing command does not stop the
 * others: every service should get its chance. Only on the node itself (root '/'): in a
 * container or sandbox the commands would act on the wrong system.
 */
export async function runReloadHooks(commands: readonly string[], root: string, logger: Logger): Promise<ReloadOutcome> {
  const lines: string[] = [];
  const failures: string[] = [];
  for (const command of commands) {
    if (root !== '/') {
      lines.push(`skipped reload \`${command}\`: root is ${root}; run it on that system`);
      continue;
    }
    let failure: string | undefined;
    try {
      const result = await runShell(command);
      const said = result.output.trim().split('\n').at(-1) ?? '';
      if (result.code !== 0) failure = `\`${command}\` exited with ${result.code ?? result.signal ?? '?'}${said ? `: ${said}` : ''}`;
    } catch (error) {
      failure = `\`${command}\`: ${describeError(error)}`;
    }
    if (failure === undefined) {
      lines.push(`ran reload \`${command}\``);
      continue;
    }
    failures.push(failure);
    logger.error({ command, failure }, 'pki: reload command failed');
    lines.push(`reload failed: ${failure}`);
  }
  return { lines, failures };
}

/** sh -c with no stdin (a command that reads it gets EOF at once), stderr kept for the report. */
function runShell(command: string): Promise<{ code: number | null; signal: string | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}
