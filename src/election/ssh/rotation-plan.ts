import { MusterError } from '../../core/errors.js';
import { isSha256Fingerprint } from './host-key-fingerprint.js';
import { publicHalfOf } from './private-key.js';
import { parsePublicKeyLine } from './public-key-line.js';
import { DEFAULT_AUTHORIZED_KEYS_FILE, assertUserName } from './remote-steps.js';
import type { RotationMember, RotationOptions } from './types.js';

/** The options checked and defaults filled, before any connection is made. Pure. */
export interface RotationPlan {
  members: readonly RotationMember[];
  /** Logs in with the bootstrap key; its authorized_keys loses the bootstrap key. */
  bootstrapUser: string;
  /** Logs in with the new key; its authorized_keys gets it (the created user, or the bootstrap user). */
  targetUser: string;
  bootstrapPublicKey: string;
  createUser: { name: string; sudo: boolean } | undefined;
  authorizedKeysFile: string;
  hostKeyAlgorithms: readonly string[];
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

export function planRotation(options: RotationOptions): RotationPlan {
  const problems: string[] = [];
  const check = (what: () => void, prefix: string): void => {
    try {
      what();
    } catch (error) {
      problems.push(`${prefix}: ${(error as Error).message}`);
    }
  };
  check(() => assertUserName(options.user), 'user');
  if (options.createUser !== undefined) {
    const created = options.createUser;
    check(() => assertUserName(created.name), 'createUser.name');
    // The new-key session removes the bootstrap key from the bootstrap user's file: as another
    // user that needs root.
    if (created.name !== options.user && created.name !== 'root' && !created.sudo) {
      problems.push(`createUser: ${created.name} without sudo could not remove the bootstrap key from ${options.user}'s authorized_keys`);
    }
  }
  check(() => assertBootstrapPair(options.bootstrapKey, options.bootstrapPublicKey), 'bootstrapKey');
  if (options.members.length === 0) problems.push('members: none given');
  const seen = new Set<string>();
  for (const member of options.members) {
    if (!isSha256Fingerprint(member.hostKeyFingerprint)) {
      // A member without a usable announcement is never logged into: that would be trust-on-first-use.
      problems.push(`members.${member.name}: announced host key fingerprint ${JSON.stringify(member.hostKeyFingerprint)} is not SHA256:<43 base64 characters>`);
    }
    const address = `${member.host}:${member.port}`;
    if (seen.has(address)) problems.push(`members.${member.name}: ${address} is listed twice`);
    seen.add(address);
  }
  if (problems.length > 0) {
    throw new MusterError(`SSH key rotation not started: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, {
      code: 'SSH_ROTATION_INVALID',
      kind: 'config',
      details: problems,
    });
  }
  return {
    members: options.members,
    bootstrapUser: options.user,
    targetUser: options.createUser?.name ?? options.user,
    bootstrapPublicKey: options.bootstrapPublicKey.trim(),
    createUser: options.createUser,
    authorizedKeysFile: options.authorizedKeysFile ?? DEFAULT_AUTHORIZED_KEYS_FILE,
    hostKeyAlgorithms: options.hostKeyAlgorithms ?? ['ssh-ed25519'],
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  };
}

/**
 * The public line must be the private key's: otherwise the rotation would log in with one key
 * and remove another, and the bootstrap key would stay valid.
 */
function assertBootstrapPair(privateKey: Buffer | string, publicLine: string): void {
  const line = parsePublicKeyLine(publicLine);
  const half = publicHalfOf(privateKey);
  if (half === undefined) throw new Error('not an unencrypted OpenSSH or PEM private key');
  if (!half.blob.equals(line.blob)) throw new Error('bootstrapPublicKey is not the public half of bootstrapKey');
}
