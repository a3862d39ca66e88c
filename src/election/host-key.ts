import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { underRoot } from '../core/root-path.js';

/** OpenSSH's fingerprint of a public key line (`ssh-keygen -lf`): SHA256: and the unpadded base64 of the key blob's digest. */
export function sshFingerprint(publicKeyLine: string): string | undefined {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (blob === undefined || !/^[A-Za-z0-9+/]+=*$/.test(blob)) return undefined;
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint this member announces: its SSH host key's, or '' when it has none (no sshd). */
export async function announcedHostKey(root: string, file: string): Promise<string> {
  try {
    return sshFingerprint(await readFile(underRoot(root, file), 'utf8')) ?? '';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
