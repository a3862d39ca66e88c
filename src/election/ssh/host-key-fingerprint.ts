import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MusterError } from '../../core/errors.js';
import { underRoot } from '../../core/root-path.js';
import { parsePublicKeyLine } from './public-key-line.js';

/** Where OpenSSH keeps the host key a member announces (ed25519: every supported distro makes one). */
export const DEFAULT_HOST_PUBLIC_KEY = '/etc/ssh/ssh_host_ed25519_key.pub';

/**
 * OpenSSH's fingerprint of a key blob, as `ssh-keygen -lf` and `ssh -v` print it:
 * `SHA256:` + base64 of the SHA-256 of the blob, without `=` padding.
 */
export function fingerprintOfKeyBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function fingerprintOfPublicKeyLine(line: string): string {
  return fingerprintOfKeyBlob(parsePublicKeyLine(line).blob);
}

// 32 bytes of SHA-256 are 43 base64 characters without padding.
const SHA256_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function isSha256Fingerprint(value: string): boolean {
  return SHA256_FINGERPRINT.test(value);
}

/** Two fingerprints name the same key; a stray `=` padding or whitespace does not matter. */
export function sameFingerprint(a: string, b: string): boolean {
  const normal = (f: string): string => f.trim().replace(/=+$/, '');
  return normal(a) === normal(b);
}

/**
 * This machine's own host key fingerprint, for its announcement. Read under `root` (a container
 * that mounts the host). A missing file is undefined: the member announces none, and the leader
 * will refuse to rotate it rather than trust whatever key answers.
 */
export async function readOwnHostKeyFingerprint(options: { root?: string; path?: string } = {}): Promise<string | undefined> {
  const path = underRoot(options.root ?? '/', options.path ?? DEFAULT_HOST_PUBLIC_KEY);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MusterError(`cannot read the SSH host public key ${path}`, { code: 'SSH_HOST_KEY_UNREADABLE', kind: 'config', cause: error });
  }
  try {
    return fingerprintOfPublicKeyLine(text);
  } catch (error) {
    throw new MusterError(`${path} is not an OpenSSH public key`, { code: 'SSH_HOST_KEY_INVALID', kind: 'config', cause: error });
  }
}
