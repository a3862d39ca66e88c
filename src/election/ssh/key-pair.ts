import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { MusterError } from '../../core/errors.js';
import { publicHalfOf } from './private-key.js';
import { formatPublicKeyLine } from './public-key-line.js';

export type SshKeyType = 'ed25519' | 'rsa' | 'ecdsa';

export interface KeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  /** OpenSSH private key (the "new" `-----BEGIN OPENSSH PRIVATE KEY-----` format). Never log it. */
  privateKey: Buffer;
  /** The `.pub` line: `type base64 comment`. */
  publicKey: string;
  /** False when an existing key in the directory was reused (a rerun). */
  created: boolean;
}

export interface KeyPairOptions {
  dir: string;
  type?: SshKeyType;
  comment?: string;
}

/** ssh-keygen's default sizes: RSA 3072, ECDSA P-256. */
const GENERATE: Record<SshKeyType, (comment: string) => { private: string; public: string }> = {
  ed25519: (comment) => ssh2.utils.generateKeyPairSync('ed25519', { comment }),
  rsa: (comment) => ssh2.utils.generateKeyPairSync('rsa', { bits: 3072, comment }),
  ecdsa: (comment) => ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256, comment }),
};

/** File names as ssh-keygen picks them, so an operator finds the key where they expect it. */
export function keyFileName(type: SshKeyType): string {
  return `id_${type}`;
}

/**
 * Makes the rotation's key pair once. If the directory already holds a private key of this
 * type (a rerun after a crash, when some members may already trust it), that key is reused and
 * its public line is derived from it again: the `.pub` file may be missing or stale if the crash
 * came between the two writes, the private key is what members were given.
 */
export async function ensureKeyPair(options: KeyPairOptions): Promise<KeyPair> {
  const type = options.type ?? 'ed25519';
  const comment = options.comment ?? 'muster-rotation';
  const privateKeyPath = join(options.dir, keyFileName(type));
  const publicKeyPath = `${privateKeyPath}.pub`;
  let privateKey = await readIfExists(privateKeyPath);
  const created = privateKey === undefined;
  if (privateKey === undefined) {
    privateKey = Buffer.from(GENERATE[type](comment).private);
  }
  const publicKey = publicLineOf(privateKey, privateKeyPath, comment);
  // Also on reuse: writeFileAtomic rewrites nothing when content and mode are right, and
  // narrows a key someone loosened back to 0600.
  await writeFileAtomic(privateKeyPath, privateKey, { mode: 0o600, dirMode: 0o700 });
  await writeFileAtomic(publicKeyPath, `${publicKey}\n`, { mode: 0o644, dirMode: 0o700 });
  return { privateKeyPath, publicKeyPath, privateKey, publicKey, created };
}

function publicLineOf(privateKey: Buffer, path: string, comment: string): string {
  const half = publicHalfOf(privateKey);
  if (half === undefined) {
    // The parser's message is kept out: it may quote the file it could not read.
    throw new MusterError(`${path} exists but is not an unencrypted OpenSSH private key`, {
      code: 'SSH_KEY_INVALID',
      kind: 'config',
      hint: 'Move the file away to make a new key (members that already trust it must then be fixed by hand), or restore the key.',
    });
  }
  return formatPublicKeyLine(half.type, half.blob, comment);
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
