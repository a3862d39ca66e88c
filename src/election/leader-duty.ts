import type { Logger } from '../core/logger.js';
import { runAction } from './action.js';
import type { ElectConfig } from './config-schema.js';
import type { Agreement } from './decide.js';
import type { Member } from './membership.js';
import type { ElectionRecords } from './records.js';

export interface LeaderDutyOptions {
  config: ElectConfig;
  root: string;
  agreement: Agreement;
  /** The leader as the agreement lists it (its addresses are what the action is told). */
  leader: Member;
  /** The action as words (no shell); undefined: nothing to run. */
  command: string[] | undefined;
  records: ElectionRecords;
  /** When the intent record was written: the done record repeats it. */
  intentAt: string;
  logger: Logger;
  progress: (line: string) => void;
}

/**
 * What the agreed leader does once: rotate the members' SSH keys when asked, run the action with
 * the members' addresses, and record that it is done. Returns the action's exit code. If it
 * throws, no done record is written, so a restart of this leader (systemd's) runs the rotation
 * (idempotent) and the action again.
 */
export async function performLeaderDuty(options: LeaderDutyOptions): Promise<number> {
  const { config, agreement, command, progress } = options;
  const extraEnv: NodeJS.ProcessEnv = {};
  if (config.rotate_ssh !== undefined) {
    progress(`rotating SSH keys on ${agreement.members.length} members`);
    // ssh2 is loaded only by a leader that rotates keys.
    const { rotateMembersKeys } = await import('./leader-rotation.js');
    const report = await rotateMembersKeys(config.rotate_ssh, options.root, agreement.members, options.logger);
    extraEnv['MUSTER_SSH_KEY'] = report.privateKeyPath;
    progress(`SSH keys rotated: ${report.members.map((member) => `${member.name} ${member.result}`).join(', ')}; the bootstrap key is refused everywhere`);
  }
  progress(command ? `leading: running ${command.join(' ')} with ${agreement.members.map((member) => member.ips[0]).join(' ')}` : 'leading: no action to run');
  const code = command ? await runAction(command, agreement.members, options.leader, extraEnv) : 0;
  await options.records.recordDone({ ...agreement, self: options.leader.name, started: options.intentAt, result: code, finished: new Date().toISOString(), role: 'leader' });
  return code;
}
