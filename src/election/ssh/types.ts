import type { Logger } from '../../core/logger.js';
import type { SshKeyType } from './key-pair.js';

export interface RotationMember {
  name: string;
  host: string;
  port: number;
  /** announced in the member's signed TXT */
  hostKeyFingerprint: string;
}

export interface RotationOptions {
  members: readonly RotationMember[]; // the leader itself included
  user: string; // login user of the bootstrap key (e.g. root or core)
  bootstrapKey: Buffer | string; // private key (OpenSSH/PEM) delivered by user-data
  bootstrapPublicKey: string; // its public line, to remove from authorized_keys
  keyType?: SshKeyType; // default ed25519
  keyDir: string; // where the new private key is written (0600; it never leaves the leader)
  createUser?: { name: string; sudo: boolean }; // zeroinit's `provision` user, optional
  connectTimeoutMs?: number;
  logger: Logger;
  /** Per remote command (default 30 s). */
  commandTimeoutMs?: number;
  /**
   * sshd's `AuthorizedKeysFile` on the members (its first entry; tokens %h %u %U %%), default
   * `.ssh/authorized_keys`. sshd cannot be asked for it remotely, and a wrong path would install
   * the key where sshd never looks: the new-key login that follows would catch it, before the
   * bootstrap key is touched.
   */
  authorizedKeysFile?: string;
  /**
   * Host key algorithms offered (default `ssh-ed25519`): the server must show the key whose
   * fingerprint was announced, which is the ed25519 one (`/etc/ssh/ssh_host_ed25519_key.pub`).
   */
  hostKeyAlgorithms?: readonly string[];
}

export interface RotationReport {
  newPublicKey: string;
  privateKeyPath: string;
  members: { name: string; result: 'rotated' | 'already-rotated'; ms: number }[];
}
