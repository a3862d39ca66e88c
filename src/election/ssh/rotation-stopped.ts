import { MusterError } from '../../core/errors.js';
import { SshConnectError } from './ssh-session.js';
import type { RotationMember } from './types.js';

/**
 * The rotation stopped at one member: the message names it, what failed, and what the member
 * holds now, so an operator knows whether it can still be reached and with which key. A host key
 * that is not the announced one is `unsafe` (someone else may be answering at that address);
 * everything else is `unavailable` and safe to rerun: every step is idempotent.
 */
export class RotationStopped extends MusterError {
  readonly member: string;
  readonly state: string;

  constructor(member: RotationMember, what: string, state: string, cause?: unknown) {
    const mismatch = cause instanceof SshConnectError && cause.kind === 'host-key-mismatch';
    const at = `${member.name} (${member.host}:${member.port})`;
    super(
      mismatch
        ? `SSH key rotation refused member ${at}: it shows host key ${cause.seenFingerprint ?? '?'} but announced ${member.hostKeyFingerprint}. State: ${state}`
        : `SSH key rotation stopped at member ${at}: ${what}. State: ${state}`,
      {
        code: mismatch ? 'SSH_HOST_KEY_MISMATCH' : 'SSH_ROTATION_STOPPED',
        kind: mismatch ? 'unsafe' : 'unavailable',
        retryable: !mismatch,
        cause,
        hint: mismatch
          ? `Another machine may be answering at ${member.host}, or ${member.name}'s host key changed after it announced. Compare with \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on its console; nothing was sent to it.`
          : 'Fix the cause and run the rotation again: members already rotated are skipped, and a member left half-way continues from where it stopped.',
      },
    );
    this.name = 'RotationStopped';
    this.member = member.name;
    this.state = state;
  }
}
