import { spawn } from 'node:child_process';
import type { Member } from './membership.js';

/** zeroinit's contract: `CMD ip1 ip2 …` (no shell), the members in election order, the leader first. */
export function actionArguments(command: readonly string[], members: readonly Member[]): string[] {
  return [...command.slice(1), ...members.map((member) => member.ips[0] ?? '')];
}

export function actionEnvironment(members: readonly Member[], leader: Member): NodeJS.ProcessEnv {
  return {
    MUSTER_LEADER: leader.name,
    MUSTER_LEADER_IP: leader.ips[0] ?? '',
    MUSTER_MEMBERS: JSON.stringify(members.map((member) => ({ name: member.name, ips: member.ips, role: member.role, host_key: member.hostKey }))),
  };
}

/** A command line as config or --action gives it: a list as is, a string split on whitespace (quotes group words; no shell). */
export function splitCommand(command: string | readonly string[]): string[] {
  if (typeof command !== 'string') return [...command];
  const words: string[] = [];
  for (const match of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

/** Runs the action with its output on ours (stderr), and resolves with its exit code (a signal counts as 128+n). */
export function runAction(command: readonly string[], members: readonly Member[], leader: Member): Promise<number> {
  const [program = '', ...rest] = command;
  return new Promise((resolve) => {
    const child = spawn(program, actionArguments([program, ...rest], members), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...actionEnvironment(members, leader) } });
    child.on('error', (error) => {
      process.stderr.write(`muster: elect: cannot run the action ${program}: ${error.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Partial<Record<NodeJS.Signals, number>>)[signal] ?? 0;
}
