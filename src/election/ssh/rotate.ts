import { MusterError } from '../../core/errors.js';
import { fingerprintOfPublicKeyLine } from './host-key-fingerprint.js';
import { ensureKeyPair } from './key-pair.js';
import { parsePublicKeyLine } from './public-key-line.js';
import { rotateMember } from './rotate-member.js';
import { planRotation } from './rotation-plan.js';
import type { RotationOptions, RotationReport } from './types.js';

export type { RotationMember, RotationOptions, RotationReport } from './types.js';

/**
 * Replaces the bootstrap SSH key (baked into user-data, so readable by anyone who saw it) with a
 * key made here, on every member, zeroinit's playbook done safely: host keys checked against the
 * signed announcements, the new key proven before the old one goes, the old one proven refused.
 *
 * Members are rotated one at a time, in the order given. A rotation takes well under a second
 * per member, so parallelism would save little, and serial order means that a systematic fault
 * (a wrong AuthorizedKeysFile, a missing sudo) stops at the first member with at most that one
 * member half-way, instead of leaving several in that state at once.
 */
export async function rotateSshKeys(options: RotationOptions): Promise<RotationReport> {
  const plan = planRotation(options);
  const keyPair = await ensureKeyPair({ dir: options.keyDir, type: options.keyType ?? 'ed25519' });
  if (parsePublicKeyLine(keyPair.publicKey).base64 === parsePublicKeyLine(plan.bootstrapPublicKey).base64) {
    throw new MusterError(`${keyPair.privateKeyPath} holds the bootstrap key itself`, {
      code: 'SSH_ROTATION_SAME_KEY',
      kind: 'config',
      hint: 'keyDir must not hold the bootstrap key: point it at a directory of its own.',
    });
  }
  const log = options.logger.child({ component: 'ssh-rotation' });
  log.info(
    { privateKeyPath: keyPair.privateKeyPath, newKey: fingerprintOfPublicKeyLine(keyPair.publicKey), created: keyPair.created, members: plan.members.length },
    keyPair.created ? 'ssh rotation: new key pair made' : 'ssh rotation: reusing the key pair from an earlier run',
  );
  const report: RotationReport = { newPublicKey: keyPair.publicKey, privateKeyPath: keyPair.privateKeyPath, members: [] };
  for (const member of plan.members) {
    const started = Date.now();
    const result = await rotateMember(plan, member, { bootstrapKey: options.bootstrapKey, newPrivateKey: keyPair.privateKey, newPublicKey: keyPair.publicKey }, log).catch(
      (error: unknown) => {
        log.error({ stoppedAt: member.name, done: report.members.map((m) => m.name), notStarted: plan.members.slice(report.members.length + 1).map((m) => m.name) }, 'ssh rotation: stopped');
        throw error;
      },
    );
    report.members.push({ name: member.name, result, ms: Date.now() - started });
  }
  return report;
}
